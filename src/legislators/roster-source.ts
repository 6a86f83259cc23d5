import { createHash } from 'node:crypto';

/** The upstream project's published current-legislators file (congress-legislators, CC0). */
export const UPSTREAM_ROSTER_URL = 'https://unitedstates.github.io/congress-legislators/legislators-current.yaml';

/** Why a fetch gave no roster: the refresh keeps the stored one and reports this. */
export class RosterFetchError extends Error {
  constructor(
    message: string,
    readonly httpStatus: number | null = null,
  ) {
    super(message);
  }
}

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
  /** Accept http:// (tests, a local mirror); https:// only otherwise. */
  allowHttp: boolean;
}

/** Validators of the last successful fetch, sent back as a conditional request. */
export interface FetchValidators {
  etag?: string | null;
  lastModified?: string | null;
}

export type FetchOutcome =
  | { status: 'not_modified'; httpStatus: 304 }
  | { status: 'ok'; httpStatus: number; text: string; bytes: number; hash: string; etag: string | null; lastModified: string | null };

/** The URL with any user name, password, query and fragment left out: what logs and the status route show. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? '?…' : ''}`;
  } catch {
    return '(not a URL)';
  }
}

/** Refuse what is not an https URL (or http when allowed); returns the parsed URL. */
export function checkSourceUrl(url: string, allowHttp: boolean): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RosterFetchError('the roster source is not a URL');
  }
  if (u.protocol === 'https:') return u;
  if (u.protocol === 'http:') {
    if (allowHttp) return u;
    throw new RosterFetchError('the roster source must be an https:// URL (http:// only with LEGISLATORS_SOURCE_ALLOW_HTTP=true)');
  }
  throw new RosterFetchError(`the roster source must be an https:// URL, not ${u.protocol.replace(/:$/, '')}:`);
}

/**
 * Fetch the roster file: a timeout over the whole exchange (headers and body), a size cap enforced while the body
 * streams in (a declared Content-Length over the cap is refused before reading), a conditional request from the last
 * success's validators, and the body's SHA-256 so an identical file can be recognized without parsing it.
 */
export async function fetchRosterText(url: string, limits: FetchLimits, validators: FetchValidators = {}): Promise<FetchOutcome> {
  checkSourceUrl(url, limits.allowHttp);
  const signal = AbortSignal.timeout(limits.timeoutMs);
  const headers: Record<string, string> = { accept: 'application/yaml, application/json;q=0.9, text/plain;q=0.8, */*;q=0.1' };
  if (validators.etag) headers['if-none-match'] = validators.etag;
  if (validators.lastModified) headers['if-modified-since'] = validators.lastModified;
  const timedOut = () => new RosterFetchError(`no complete answer within ${limits.timeoutMs} ms`);
  let res: Response;
  try {
    res = await fetch(url, { headers, signal, redirect: 'follow' });
  } catch (e) {
    if (signal.aborted) throw timedOut();
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new RosterFetchError(`could not fetch: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
  }
  // A redirect may not lead from https to plain http.
  if (res.url && res.url !== url) {
    try {
      checkSourceUrl(res.url, limits.allowHttp);
    } catch (e) {
      await res.body?.cancel().catch(() => undefined);
      throw e;
    }
  }
  if (res.status === 304) {
    await res.body?.cancel().catch(() => undefined);
    return { status: 'not_modified', httpStatus: 304 };
  }
  if (res.status !== 200) {
    await res.body?.cancel().catch(() => undefined);
    throw new RosterFetchError(`the source answered HTTP ${res.status}`, res.status);
  }
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limits.maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new RosterFetchError(`the file is ${declared} bytes, over the ${limits.maxBytes}-byte limit`, res.status);
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  const hash = createHash('sha256');
  try {
    for await (const chunk of res.body ?? []) {
      bytes += chunk.byteLength;
      // Throwing out of the loop cancels the stream (the iterator's return), closing the connection.
      if (bytes > limits.maxBytes) {
        throw new RosterFetchError(`the file is over the ${limits.maxBytes}-byte limit (stopped reading)`, res.status);
      }
      hash.update(chunk);
      chunks.push(Buffer.from(chunk));
    }
  } catch (e) {
    if (e instanceof RosterFetchError) throw e;
    if (signal.aborted) throw timedOut();
    throw new RosterFetchError(`the download broke off: ${(e as Error).message}`, res.status);
  }
  return {
    status: 'ok',
    httpStatus: res.status,
    text: Buffer.concat(chunks).toString('utf8'),
    bytes,
    hash: hash.digest('hex'),
    etag: res.headers.get('etag'),
    lastModified: res.headers.get('last-modified'),
  };
}
