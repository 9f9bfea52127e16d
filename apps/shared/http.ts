/**
 * The apps' HTTP server: `/healthz`, `/metrics` (Prometheus text from a prom-client registry)
 * and app-specific routes such as the producer's `/admin/rate`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

/** Answer of a route handler. */
export interface RouteResponse {
  status: number;
  body: unknown;
}

/** A route handler; `body` is the parsed JSON request body (undefined if none). */
export type RouteHandler = (body: unknown) => RouteResponse | Promise<RouteResponse>;

/** What the server serves. */
export interface AppServerOptions {
  host: string;
  port: number;
  registry: Registry;
  /** Health: `ok` false answers 503 (the group controller replaces the member). */
  health: () => { ok: boolean; detail?: Record<string, unknown> };
  /** Extra routes, keyed `METHOD /path`, e.g. `POST /admin/rate`. */
  routes?: Record<string, RouteHandler>;
}

const MAX_BODY = 64 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = typeof body === 'string' ? body : `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Start the server; resolves once it listens. */
export async function startAppServer(options: AppServerOptions): Promise<Server> {
  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0];
      try {
        if (req.method === 'GET' && path === '/healthz') {
          const h = options.health();
          send(res, h.ok ? 200 : 503, { status: h.ok ? 'ok' : 'unhealthy', ...h.detail });
          return;
        }
        if (req.method === 'GET' && path === '/metrics') {
          send(res, 200, await options.registry.metrics(), options.registry.contentType);
          return;
        }
        const handler = options.routes?.[`${req.method} ${path}`];
        if (!handler) {
          send(res, 404, { error: `no route ${req.method} ${path}` });
          return;
        }
        const raw = await readBody(req);
        let body: unknown;
        if (raw.trim() !== '') {
          try {
            body = JSON.parse(raw);
          } catch {
            send(res, 400, { error: 'body is not JSON' });
            return;
          }
        }
        const answer = await handler(body);
        send(res, answer.status, answer.body);
      } catch (error) {
        send(res, 500, { error: error instanceof Error ? error.message : String(error) });
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** Close the server (and its idle keep-alive connections). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
