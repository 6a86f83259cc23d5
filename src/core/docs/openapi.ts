import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ErrorResponseDto, FieldErrorDto } from '../http/error-response.dto';

const ERROR_REF = { $ref: '#/components/schemas/ErrorResponseDto' };
const COMMON_ERRORS: Record<string, string> = {
  '400': 'Invalid input: every bad field is listed in `details` with its path',
  '413': 'Body over the size limit',
  '415': 'Unsupported content type',
  '429': 'Rate limited; see Retry-After',
  '503': 'PostgreSQL or Redis temporarily unreachable; retry',
};

/** Every operation answers errors in the one envelope; say so once here instead of on each handler. */
function addErrorResponses(doc: OpenAPIObject): OpenAPIObject {
  for (const path of Object.values(doc.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete', 'head'] as const) {
      const op = path[method];
      if (!op) continue;
      for (const [code, description] of Object.entries(COMMON_ERRORS)) {
        if (code === '413' && (method === 'get' || method === 'head' || method === 'delete')) continue;
        op.responses[code] ??= { description, content: { 'application/json': { schema: ERROR_REF } } };
      }
    }
  }
  return doc;
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
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key (create the first with `npm run cli -- api-keys:create`)' })
    .addCookieAuth('cloture_session', { type: 'apiKey', in: 'cookie', description: 'A console session (POST /api/v1/auth/login); writes also need X-CSRF-Token' })
    .build();
  const doc = SwaggerModule.createDocument(app, config, { extraModels: [ErrorResponseDto, FieldErrorDto] });
  return addErrorResponses(doc);
}

export function setupDocs(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}
