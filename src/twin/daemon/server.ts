/**
 * The twin's control API: small JSON over HTTP on 127.0.0.1 (ephemeral port). TwinClient
 * (src/twin/client.ts) is its client.
 *
 *   GET  /status                       TwinStatus
 *   GET  /endpoints                    PipelineEndpoints
 *   GET  /activities?since=ISO         ScalingActivity[]
 *   POST /groups/:group/desired        {desired}
 *   POST /groups/:group/kill           {count?|ids?, signal?}       → {killed: string[]}
 *   POST /zones/:zone/freeze|thaw|kill                              → {members: string[]}
 *   POST /members/:id/stress           {seconds}                    → {pid}
 *   POST /shutdown                                                  → {ok: true} (then tears down)
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { GroupName } from '../../spec/index.ts';
import type { Twin } from './twin.ts';

const GROUPS: readonly GroupName[] = ['kafka', 'cassandra', 'producers', 'consumers'];

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new HttpError(400, 'request body must be a JSON object');
  }
}

function groupOf(name: string): GroupName {
  if (!GROUPS.includes(name as GroupName))
    throw new HttpError(404, `unknown group "${name}": use one of ${GROUPS.join(', ')}`);
  return name as GroupName;
}

/** Start the control API on 127.0.0.1:0; `onShutdown` runs after the reply to POST /shutdown. */
export async function startControlServer(twin: Twin, onShutdown: () => void): Promise<{ server: Server; url: string }> {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? 'GET';
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      if (method === 'GET' && url.pathname === '/status') return reply(200, twin.status());
      if (method === 'GET' && url.pathname === '/healthz') return reply(200, { phase: twin.phase });
      if (method === 'GET' && url.pathname === '/endpoints') return reply(200, twin.endpoints());
      if (method === 'GET' && url.pathname === '/activities') {
        const since = url.searchParams.get('since');
        const sinceMs = since ? Date.parse(since) : -Infinity;
        if (since && Number.isNaN(sinceMs)) throw new HttpError(400, `since=${since} is not an ISO 8601 time`);
        return reply(
          200,
          twin.activities.filter((a) => Date.parse(a.time) >= sinceMs),
        );
      }
      if (method !== 'POST') throw new HttpError(404, `no route ${method} ${url.pathname}`);
      const body = await readBody(req);
      if (url.pathname === '/shutdown') {
        reply(200, { ok: true });
        onShutdown();
        return;
      }
      if (twin.phase !== 'ready') throw new HttpError(409, `the twin is ${twin.phase}, not ready`);
      if (parts[0] === 'groups' && parts.length === 3) {
        const group = groupOf(parts[1]!);
        if (parts[2] === 'desired') {
          const desired = body.desired;
          if (typeof desired !== 'number') throw new HttpError(400, 'body needs {"desired": <integer>}');
          twin.setDesired(group, desired);
          return reply(200, { group, desired });
        }
        if (parts[2] === 'kill') {
          const sig = body.signal ?? 'SIGKILL';
          if (sig !== 'SIGKILL' && sig !== 'SIGTERM') throw new HttpError(400, 'signal must be "SIGKILL" or "SIGTERM"');
          const ids = Array.isArray(body.ids) ? body.ids.map(String) : undefined;
          const count = typeof body.count === 'number' ? body.count : undefined;
          return reply(200, {
            killed: twin.killMembers(group, {
              ...(ids ? { ids } : {}),
              ...(count !== undefined ? { count } : {}),
              signal: sig,
            }),
          });
        }
      }
      if (parts[0] === 'zones' && parts.length === 3) {
        const zone = parts[1]!;
        if (parts[2] === 'disrupt') return reply(200, twin.disruptZone(zone));
        if (parts[2] === 'latency') {
          const { delayMs, lossPercent, seconds } = body;
          if (
            typeof delayMs !== 'number' ||
            typeof seconds !== 'number' ||
            !['number', 'undefined'].includes(typeof lossPercent)
          )
            throw new HttpError(400, 'body needs {"delayMs": <number>, "seconds": <number>, "lossPercent"?: <number>}');
          return reply(
            200,
            await twin.zoneLatency(zone, {
              delayMs,
              seconds,
              ...(typeof lossPercent === 'number' ? { lossPercent } : {}),
            }),
          );
        }
        if (parts[2] === 'freeze') return reply(200, { members: twin.freezeZone(zone) });
        if (parts[2] === 'thaw') return reply(200, { members: twin.thawZone(zone) });
        if (parts[2] === 'kill') return reply(200, { members: twin.killZone(zone) });
      }
      if (parts[0] === 'members' && parts.length === 3 && parts[2] === 'stress') {
        const seconds = body.seconds;
        if (typeof seconds !== 'number') throw new HttpError(400, 'body needs {"seconds": <number>}');
        return reply(200, { pid: twin.stressCpu(parts[1]!, seconds) });
      }
      throw new HttpError(404, `no route ${method} ${url.pathname}`);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 400;
      reply(status, { error: (error as Error).message });
    }
  };
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolveListen());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('control server has no TCP address');
  return { server, url: `http://127.0.0.1:${address.port}` };
}
