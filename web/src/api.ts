import { createClotureClient, type Schemas } from '../../client';

export type Blast = Schemas['BlastDto'];
export type BlastStats = Schemas['BlastStatsDto'];
export type Problem = { path: string; message: string };

/** The console's one API client: same-origin, the session cookie, and the CSRF token on every write. */
export const api = createClotureClient({ baseUrl: '' });

let csrfToken: string | null = null;
let onSessionLost: () => void = () => {};
export const setCsrfToken = (token: string | null) => (csrfToken = token);
export const whenSessionLost = (fn: () => void) => (onSessionLost = fn);

api.use({
  onRequest({ request }) {
    if (request.method !== 'GET' && request.method !== 'HEAD' && csrfToken) request.headers.set('X-CSRF-Token', csrfToken);
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && !new URL(request.url).pathname.startsWith('/api/v1/auth/')) onSessionLost();
    return response;
  },
});

/** An API error envelope as the console shows it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: Problem[] = [],
  ) {
    super(message);
  }
}

/** Unwraps an openapi-fetch result: the data, or an ApiError with the envelope's message and field details. */
export async function unwrap<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await p;
  if (response.ok) return data as T;
  const e = (error ?? {}) as { message?: unknown; details?: unknown };
  const message = typeof e.message === 'string' ? e.message : Array.isArray(e.message) ? e.message.join('; ') : `Request failed (${response.status})`;
  const details = Array.isArray(e.details) ? (e.details as Problem[]).filter((d) => d && typeof d.path === 'string') : [];
  throw new ApiError(response.status, message, details);
}

export const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));
