/**
 * The typed Cloture API client: openapi-fetch over the types openapi-typescript generates from the committed OpenAPI
 * document (client/schema.d.ts, from openapi/cloture.openapi.json). Used by the organizer console; usable by any
 * TypeScript program (`fetch` injectable for tests and servers).
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, operations, paths } from './schema';

export type { components, operations, paths };
export type Schemas = components['schemas'];

export interface ClotureClientOptions {
  /** Origin (and path prefix) of the API, e.g. `https://cloture.example.org` or '' for the page's own origin. */
  baseUrl: string;
  /** Headers sent with every request (e.g. `Authorization: Bearer <API key>` from a server). */
  headers?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
}

export type ClotureClient = Client<paths>;

export function createClotureClient(options: ClotureClientOptions): ClotureClient {
  return createClient<paths>({
    baseUrl: options.baseUrl,
    headers: options.headers,
    fetch: options.fetch,
    credentials: 'same-origin',
  });
}
