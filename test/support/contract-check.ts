import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { OPENAPI_DOCUMENT_PATH } from '../../src/core/docs/openapi';
import { CONSOLE_PATH } from '../../src/core/http/console-app';
import { QUEUE_DASHBOARD_PATH } from '../../src/core/queue/queue-dashboard';

/**
 * The contract check (issue 13): every response a booted test app sends is compared with the committed OpenAPI
 * document — its status must be documented for the route, its media type documented for that status, and a JSON
 * body must validate against the documented schema. Mismatches are collected here and fail the test that caused
 * them (test/support/contract-setup.ts), naming the route: `METHOD /path/{template} → status: what is wrong`.
 */

type Json = Record<string, any>;

/**
 * Routes the app serves that are deliberately not part of the API contract: the interactive docs themselves, the
 * admin queue dashboard (a bundled UI), and the token pages' catch-alls for links with the token missing or
 * followed by more path (they only ever answer the token pages' one HTML 404).
 */
const OUTSIDE_CONTRACT = [
  /^\/docs(\/|-json$|-yaml$|$)/,
  new RegExp(`^${QUEUE_DASHBOARD_PATH}(\\/|$)`),
  // The organizer console: an HTML app and its files (its data goes through the documented API).
  new RegExp(`^${CONSOLE_PATH}(\\/|$)`),
  /^\/(preferences|unsubscribe|confirm)(\/\/?|\/\*)?$/,
];

let document: Json | undefined;
let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();
const mismatches: string[] = [];

/** Where each process appends one line per response checked, so the run's summary can count them (global teardown). */
export function contractLogDir(): string {
  return join('/tmp', 'cloture-contract', process.env.CLOTURE_TEST_RUN ?? 'adhoc');
}

function loadDocument(): Json {
  if (!document) {
    document = JSON.parse(readFileSync(resolve(__dirname, '../..', OPENAPI_DOCUMENT_PATH), 'utf8')) as Json;
    // OpenAPI 3.0 schemas are JSON Schema plus a few keywords: `nullable` Ajv knows; `example` and friends are
    // annotations. Formats are checked (uuid, date-time, email…): a DTO that says uuid must send one.
    ajv = new Ajv({ allErrors: true, strict: false });
    ajv.addVocabulary(['example', 'xml', 'externalDocs', 'discriminator']);
    addFormats(ajv);
    ajv.addSchema(closeObjects(structuredClone(document)) as Json, 'openapi.json');
  }
  return document;
}

/**
 * A response may not carry fields its schema does not list: every object schema with properties is closed for the
 * check (a client generated from the document would not know them; an entity leaking a column shows up here).
 */
function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) node.forEach(closeObjects);
  else if (node && typeof node === 'object') {
    const schema = node as Json;
    if (schema.properties && typeof schema.properties === 'object' && schema.additionalProperties === undefined && !schema.allOf) {
      schema.additionalProperties = false;
    }
    Object.values(schema).forEach(closeObjects);
  }
  return node;
}

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

function validatorFor(pointer: string): ValidateFunction {
  let v = validators.get(pointer);
  if (!v) {
    v = ajv!.compile({ $ref: `openapi.json#${pointer}` });
    validators.set(pointer, v);
  }
  return v;
}

/** Fastify's route template (`/api/v1/topics/:id`) as OpenAPI writes it (`/api/v1/topics/{id}`). */
const toTemplate = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function mediaType(reply: FastifyReply): string {
  return String(reply.getHeader('content-type') ?? '').split(';')[0].trim().toLowerCase();
}

function bodyText(payload: unknown): string | null {
  if (payload === undefined || payload === null) return '';
  if (typeof payload === 'string') return payload;
  if (Buffer.isBuffer(payload)) return payload.toString('utf8');
  if (payload instanceof Readable || typeof (payload as { pipe?: unknown }).pipe === 'function') return null; // streamed: not read
  return String(payload);
}

/** The problems with one response, or [] when it keeps the contract. */
export function checkResponse(method: string, routeUrl: string | undefined, status: number, type: string, payload: unknown): string[] {
  // No route matched (Fastify's own 404, router errors): nothing of the contract applies.
  if (!routeUrl) return [];
  const path = toTemplate(routeUrl);
  if (OUTSIDE_CONTRACT.some((r) => r.test(routeUrl))) return [];
  const doc = loadDocument();
  // HEAD is answered by the GET route (Fastify adds it), without a body.
  const verb = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase();
  const op = doc.paths?.[path]?.[verb];
  if (!op) return [`route not in the document`];
  const code = String(status);
  const documented = op.responses?.[code] ?? op.responses?.[`${code[0]}XX`] ?? op.responses?.default;
  if (!documented) return [`status ${code} not documented (documented: ${Object.keys(op.responses ?? {}).join(', ')})`];
  const text = method === 'HEAD' ? '' : bodyText(payload);
  const content: Json | undefined = documented.content;
  if (text === '') {
    return content?.['application/json'] && method !== 'HEAD' ? [`status ${code} has an empty body, documented: application/json`] : [];
  }
  if (!content) return [`status ${code} has a body (${type || 'no content type'}) but documents none`];
  if (!content[type]) return [`status ${code} answers ${type || 'no content type'}, documented: ${Object.keys(content).join(', ')}`];
  if (text === null || !/json/.test(type)) return [];
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [`status ${code} body is not JSON`];
  }
  const pointer = `/paths/${escapePointer(path)}/${verb}/responses/${code in op.responses ? code : `${code[0]}XX`}/content/${escapePointer(type)}/schema`;
  if (!content[type].schema) return [];
  const validate = validatorFor(pointer);
  if (validate(body)) return [];
  return (validate.errors ?? []).slice(0, 5).map((e) => `status ${code} body${e.instancePath || ''} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${e.params.additionalProperty})` : ''}`);
}

/** Installs the check on a test app (before it listens: Nest registers its routes, and their hooks, on listen). */
export function installContractCheck(fastify: FastifyInstance): void {
  const dir = contractLogDir();
  mkdirSync(dir, { recursive: true });
  const log = join(dir, `${process.pid}.log`);
  fastify.addHook('onSend', async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const routeUrl = req.routeOptions?.url;
    let problems: string[];
    try {
      problems = checkResponse(req.method, routeUrl, reply.statusCode, mediaType(reply), payload);
    } catch (e) {
      problems = [`the check itself failed: ${(e as Error).message}`];
    }
    const route = `${req.method} ${routeUrl ? toTemplate(routeUrl) : '(no route)'}`;
    for (const p of problems) mismatches.push(`${route} → ${p}`);
    appendFileSync(log, `${JSON.stringify({ route, status: reply.statusCode, problems })}\n`);
    return payload;
  });
}

/** The mismatches seen since the last call (the per-test check empties them). */
export function takeContractMismatches(): string[] {
  return mismatches.splice(0, mismatches.length);
}
