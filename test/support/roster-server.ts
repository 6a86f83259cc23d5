import { createServer as createHttpServer, IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { AddressInfo } from 'node:net';

/** What the fixture server answers next (every request, until changed). */
export interface RosterRoute {
  status?: number;
  body?: string;
  etag?: string;
  lastModified?: string;
  /** Answer 304 when If-None-Match carries this route's ETag. */
  honorConditional?: boolean;
  /** Send headers, then nothing: the client's timeout must end it. */
  hang?: boolean;
  /** Stream this many bytes of filler (no Content-Length unless `declareLength`). */
  streamBytes?: number;
  declareLength?: boolean;
}

export interface RosterServer {
  url: string;
  set(route: RosterRoute): void;
  /** Headers of every request received, oldest first. */
  requests: IncomingHttpHeaders[];
  /** Bytes of filler actually written before the client went away (streamBytes routes). */
  streamed: () => number;
  close(): Promise<void>;
}

/**
 * A local stand-in for the congress-legislators site (no internet in tests): serves fixture roster files, errors,
 * a hanging answer, an endless body, and honours conditional requests when told to. `tls` serves https with the
 * given key and certificate.
 */
export async function startRosterServer(tls?: { key: string; cert: string }): Promise<RosterServer> {
  let route: RosterRoute = { status: 404 };
  const requests: IncomingHttpHeaders[] = [];
  let streamed = 0;
  const open = new Set<ServerResponse>();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    requests.push(req.headers);
    open.add(res);
    res.on('close', () => open.delete(res));
    const r = route;
    if (r.honorConditional && r.etag && req.headers['if-none-match'] === r.etag) {
      res.writeHead(304, { etag: r.etag }).end();
      return;
    }
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (r.etag) headers.etag = r.etag;
    if (r.lastModified) headers['last-modified'] = r.lastModified;
    if (r.hang) {
      res.writeHead(200, headers);
      res.write('[');
      return;
    }
    if (r.streamBytes) {
      if (r.declareLength) headers['content-length'] = String(r.streamBytes);
      res.writeHead(200, headers);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let left = r.streamBytes;
      const pump = () => {
        while (left > 0 && !res.destroyed) {
          const n = Math.min(left, chunk.length);
          left -= n;
          streamed += n;
          if (!res.write(chunk.subarray(0, n))) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end();
      };
      pump();
      return;
    }
    res.writeHead(r.status ?? 200, headers).end(r.body ?? '');
  };
  const server: Server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/legislators-current.json`,
    set: (next) => (route = next),
    requests,
    streamed: () => streamed,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        server.close(() => resolve());
      }),
  };
}
