/**
 * The typed Cloture API client, generated from the committed contract (openapi/cloture.openapi.json): the path,
 * parameters, body and every documented answer of each call are checked by TypeScript. `schema.d.ts` is written by
 * `npm run openapi` — never edit it by hand.
 *
 *   const api = createClotureClient({ baseUrl: 'http://127.0.0.1:3000', apiKey });
 *   const { data, error, response } = await api.POST('/api/v1/topics', { body: { name: 'Courts' } });
 *
 * `data` is the documented success body, `error` the error envelope ({statusCode, error, message, details?}).
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, operations, paths } from './schema';

export type { components, operations, paths };
/** Every DTO of the API by name, e.g. `Schemas['TopicDto']`. */
export type Schemas = components['schemas'];
export type ClotureClient = Client<paths>;

export interface ClotureClientOptions {
  /** Where Cloture answers, e.g. `https://cloture.example.org` (no trailing `/api/v1`). */
  baseUrl: string;
  /** An API key, sent as `Authorization: Bearer <key>`; leave out for public endpoints or cookie sessions. */
  apiKey?: string;
  /** A fetch to use instead of the global one (tests, server-side rendering). */
  fetch?: (input: Request) => Promise<Response>;
  /** Headers sent with every request (e.g. `X-CSRF-Token` for a cookie session in the browser). */
  headers?: Record<string, string>;
  /** The browser's cookie policy for cross-origin calls (`include` to send a session cookie). */
  credentials?: RequestInit['credentials'];
  /** Extra middleware (onRequest/onResponse), e.g. to refresh a CSRF token. */
  middleware?: Middleware[];
}

export function createClotureClient(options: ClotureClientOptions): ClotureClient {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  for (const m of options.middleware ?? []) client.use(m);
  return client;
}
