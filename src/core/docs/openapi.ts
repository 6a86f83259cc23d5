import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ErrorResponseDto, FieldErrorDto } from '../http/error-response.dto';

/** The committed contract (repository root), written by `npm run openapi`, compared by `npm run openapi:check`. */
export const OPENAPI_DOCUMENT_PATH = 'openapi/cloture.openapi.json';

const ERROR_REF = { $ref: '#/components/schemas/ErrorResponseDto' };
const envelope = (description: string) => ({ description, content: { 'application/json': { schema: ERROR_REF } } });
/** Pages for people (token pages, the petition page) answer their errors as a page too; Fastify's own refusals before the page's handler runs (a body too large, a media type) still come in the envelope. */
const pageOrEnvelope = (description: string) => ({
  description: `${description} (an HTML page, or the JSON envelope when refused before the page is reached)`,
  content: { 'text/html': { schema: { type: 'string' } }, 'application/json': { schema: ERROR_REF } },
});
/** Fastify reads a body (and may refuse its size or media type) on these; GET and HEAD bodies are ignored. */
const BODY_METHODS = new Set(['post', 'put', 'patch', 'delete', 'options']);
const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] as const;

/**
 * Errors any operation can answer whatever its handler does, said once here instead of on each handler: the
 * validation pipe and the request-shape hook (400), the per-IP rate limit (429), PostgreSQL or Redis unreachable
 * (503), and for operations that take a body, its size limit (413) and its media type (415).
 */
const COMMON_ERRORS: { code: string; description: string; bodyOnly?: boolean }[] = [
  { code: '400', description: 'Invalid input: every bad field is listed in `details` with its path' },
  { code: '413', description: 'Body over the size limit', bodyOnly: true },
  { code: '415', description: 'Unsupported content type', bodyOnly: true },
  { code: '429', description: 'Rate limited; see Retry-After' },
  { code: '503', description: 'PostgreSQL or Redis temporarily unreachable; retry' },
];

/** What a response without its own description means (Nest leaves `description: ''` when a decorator gives none). */
const DEFAULT_DESCRIPTIONS: Record<string, string> = {
  '200': 'OK',
  '201': 'Created',
  '202': 'Accepted: the work continues in the background',
  '204': 'Done; no body',
  '400': 'Invalid input: every bad field is listed in `details` with its path',
  '404': 'No such resource',
  '409': 'Conflicts with the current state of the resource',
};

/** Names `createBlast`, `listSubscribers`: set explicitly on each route with `@ApiOperation({ operationId })`. */
const OPERATION_ID = /^[a-z]+[A-Z][A-Za-z]*$/;

/** Cross-cutting answers: the error envelope, 404 on every route with a path parameter, no security on public routes. */
function completeDocument(doc: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      for (const [code, response] of Object.entries(op.responses)) {
        if (response && 'description' in response && !response.description) response.description = DEFAULT_DESCRIPTIONS[code] ?? code;
      }
      // Public operations say so (no key), instead of leaving a reader to guess.
      op.security ??= [];
      const isPage = Object.values(op.responses).some((r) => r && 'content' in r && r.content?.['text/html']);
      for (const { code, description, bodyOnly } of COMMON_ERRORS) {
        if (bodyOnly && !BODY_METHODS.has(method)) continue;
        op.responses[code] ??= (isPage ? pageOrEnvelope : envelope)(description);
      }
      // A page's own error pages: the request-shape hook and Fastify still refuse in the envelope before them.
      if (isPage) {
        for (const [code, response] of Object.entries(op.responses)) {
          const content = response && 'content' in response ? response.content : undefined;
          if (code >= '400' && content?.['text/html'] && !content['application/json']) content['application/json'] = { schema: ERROR_REF };
        }
      }
      // Unknown id (or slug, token); routes answering HTML document their own 404 page.
      if (path.includes('{')) op.responses['404'] ??= envelope('No such resource');
    }
  }
  nullableEnums(doc);
  return doc;
}

/**
 * OpenAPI 3.0 wants `null` among the values of a nullable enum (a validator or a client generator otherwise
 * refuses the null the property is documented to take); `@ApiProperty({ enum, nullable: true })` leaves it out.
 */
function nullableEnums(node: unknown): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) return node.forEach(nullableEnums);
  const schema = node as Record<string, unknown>;
  if (schema.nullable === true && Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...schema.enum, null];
  Object.values(schema).forEach(nullableEnums);
}

/**
 * The house rules a route's own decorators must follow, checked by `npm run openapi` and `openapi:check` so a
 * forgotten decorator fails there instead of shipping a misleading contract.
 */
export function houseRuleProblems(doc: OpenAPIObject): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const route = `${method.toUpperCase()} ${path}`;
      if (!op.operationId || !OPERATION_ID.test(op.operationId) || ids.has(op.operationId)) {
        problems.push(`${route}: operationId "${op.operationId}" — add a unique @ApiOperation({ operationId: 'verbNoun', summary })`);
      }
      if (op.operationId) ids.add(op.operationId);
      if (!op.tags?.length) problems.push(`${route}: no tag — add @ApiTags('<domain>')`);
    }
  }
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
    for (const [prop, s] of Object.entries((schema as { properties?: Record<string, any> }).properties ?? {})) {
      // `string | null` without an explicit `type` reflects as Object: the client would type a string as an object.
      if (s.type === 'object' && !s.properties && !s.additionalProperties) {
        problems.push(`${name}.${prop}: "type: object" without properties — give @ApiProperty its scalar type`);
      }
    }
  }
  return problems;
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Cloture API')
    .setDescription(
      'Petitions to the US Senate, a subscriber list, segments, email blasts that obey each subscriber\'s preferences. ' +
        'Organizer endpoints under /api/v1 need `Authorization: Bearer <API key>`, or the console\'s session cookie ' +
        '(`cloture_session`, from POST /api/v1/auth/login) with `X-CSRF-Token` on writes; public endpoints are rate limited per IP. ' +
        'Errors always answer `{statusCode, error, message, details?}`.',
    )
    .setVersion('1')
    .setLicense('AGPL-3.0-only', 'https://www.gnu.org/licenses/agpl-3.0.html')
    .addServer('/', 'This Cloture server')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key (create the first with `npm run cli -- api-keys:create`)' })
    .addCookieAuth('cloture_session', { type: 'apiKey', in: 'cookie', description: 'A console session (POST /api/v1/auth/login); writes also need X-CSRF-Token' })
    .build();
  const doc = SwaggerModule.createDocument(app, config, { extraModels: [ErrorResponseDto, FieldErrorDto] });
  return completeDocument(doc);
}

/** The document as committed: stable key order from the code, two-space JSON, a final newline. */
export function serializeOpenApiDocument(doc: OpenAPIObject): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export function setupDocs(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}
