import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { OPENAPI_DOCUMENT_PATH } from '../src/core/docs/openapi';
import { bootApp, TestApp } from './support/app';
import { checkResponse } from './support/contract-check';

/**
 * API-2 and issue 13: the committed document is the one the running app serves, and the contract check that runs
 * after every e2e test does catch a response that breaks it.
 */
describe('OpenAPI contract (API-2)', () => {
  let t: TestApp;
  const committed = JSON.parse(readFileSync(resolve(__dirname, '..', OPENAPI_DOCUMENT_PATH), 'utf8'));

  beforeAll(async () => {
    t = await bootApp({ worker: false });
  });
  afterAll(() => t?.close());

  it('serves at /docs-json exactly the committed document (built offline by npm run openapi)', async () => {
    const served = await t.request('GET', '/docs-json', { key: false });
    expect(served.status).toBe(200);
    expect(served.body).toEqual(committed);
  });

  it('names every operation as a method, with a tag, and documents 404 on routes with a path parameter', () => {
    for (const [path, item] of Object.entries<Record<string, any>>(committed.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        expect(`${method} ${path} ${op.operationId}`).toMatch(/ [a-z]+[A-Z][A-Za-z]*$/);
        expect(op.tags.length).toBeGreaterThan(0);
        if (path.includes('{') && method !== 'options') expect(Object.keys(op.responses)).toContain('404');
      }
    }
    expect(committed.paths['/api/v1/blasts/{id}/send'].post.responses).toHaveProperty('202');
    expect(committed.components.schemas.CreateBlastDto.properties.segmentId).toMatchObject({ type: 'string', format: 'uuid', nullable: true });
  });

  it('the check refuses an undocumented status, a wrong body, an undocumented media type and an unknown route', () => {
    const topic = { id: '9b2f7a4e-3c1d-4e5f-8a6b-7c8d9e0f1a2b', name: 'Courts', description: null, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString() };
    const json = 'application/json';
    expect(checkResponse('GET', '/api/v1/topics/:id', 200, json, JSON.stringify(topic))).toEqual([]);
    expect(checkResponse('GET', '/api/v1/topics/:id', 200, json, JSON.stringify({ ...topic, name: 7 }))).toEqual([
      expect.stringContaining('body/name must be string'),
    ]);
    expect(checkResponse('GET', '/api/v1/topics/:id', 200, json, JSON.stringify({ ...topic, id: 'not-a-uuid' }))[0]).toMatch(/body\/id must match format "uuid"/);
    expect(checkResponse('GET', '/api/v1/topics/:id', 200, json, JSON.stringify({ ...topic, secret: 'x' }))[0]).toMatch(/must NOT have additional properties \(secret\)/);
    expect(checkResponse('GET', '/api/v1/topics/:id', 418, json, '{}')[0]).toMatch(/status 418 not documented/);
    expect(checkResponse('GET', '/api/v1/topics/:id', 200, 'text/html', '<p>')[0]).toMatch(/answers text\/html, documented: application\/json/);
    expect(checkResponse('DELETE', '/api/v1/topics/:id', 204, '', '')).toEqual([]);
    expect(checkResponse('GET', '/api/v1/nowhere', 200, json, '{}')).toEqual(['route not in the document']);
  });
});
