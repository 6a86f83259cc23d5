import type { IncomingHttpHeaders } from 'node:http';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * True when a state-changing request comes from another site's page (a form or script the browser sends with the
 * user's cached credentials): modern browsers say so in `Sec-Fetch-Site`; older ones send an `Origin` that is not
 * this host. Requests from non-browser clients carry neither and pass (they cannot ride on a browser's credentials).
 * The same rule as Go's http.CrossOriginProtection; used wherever a browser holds credentials (Basic auth today).
 */
export function isCrossSiteWrite(method: string, headers: IncomingHttpHeaders): boolean {
  if (SAFE_METHODS.has(method.toUpperCase())) return false;
  const site = headers['sec-fetch-site'];
  if (typeof site === 'string') return site !== 'same-origin' && site !== 'none';
  const origin = headers.origin;
  if (typeof origin !== 'string' || origin === 'null') return typeof origin === 'string';
  try {
    return new URL(origin).host !== headers.host;
  } catch {
    return true;
  }
}
