import { createServer, type Server, type Socket } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { answeringFirst, installSilentBrokerCut, isSilent } from '../../apps/shared/kafkajs-silent-broker.ts';

/** A TCP server that accepts connections and never answers: a frozen broker as clients see it. */
async function silentBroker(): Promise<{
  server: Server;
  port: number;
  accepted: () => number;
  close: () => Promise<void>;
}> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    server,
    port: address.port,
    accepted: () => sockets.length,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function client(ports: number[]): Kafka {
  return new Kafka({
    clientId: 'silent-broker-test',
    brokers: ports.map((p) => `127.0.0.1:${p}`),
    connectionTimeout: 1000,
    requestTimeout: 250,
    retry: { initialRetryTime: 10, maxRetryTime: 20, retries: 3 },
    logLevel: logLevel.NOTHING,
  });
}

const servers: Array<{ close: () => Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('a broker that accepts connections but never answers', () => {
  it('is left for another bootstrap broker, and the connect fails as a connection error', async () => {
    expect(installSilentBrokerCut()).toBeUndefined();
    const a = await silentBroker();
    const b = await silentBroker();
    servers.push(a, b);
    const admin = client([a.port, b.port]).admin();
    const error = await admin.connect().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    await admin.disconnect().catch(() => {});
    expect(error).toBeDefined();
    expect(String(error?.message)).toMatch(/not answering/);
    // kafkajs alone retries its first seed broker on every attempt; with the cut it moves on.
    expect(a.accepted()).toBeGreaterThan(0);
    expect(b.accepted()).toBeGreaterThan(0);
    // Both timed out and sent nothing since: silent, so "any broker" picks others first.
    expect(isSilent(`127.0.0.1:${a.port}`)).toBe(true);
    expect(isSilent(`127.0.0.1:${b.port}`)).toBe(true);
    const order = answeringFirst(['1', '2', '3'], (id) => (id === '2' ? `127.0.0.1:${a.port}` : `127.0.0.1:${id}`));
    expect(order.at(-1)).toBe('2');
    expect(order.slice(0, 2).sort()).toEqual(['1', '3']);
    // Within the probe interval a request to a silent broker is not sent at all.
    const again = client([a.port]).admin();
    const second = await again.connect().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    await again.disconnect().catch(() => {});
    expect(String(second?.message)).toMatch(/not sending/);
  });

  it('is installed once however often it is asked', () => {
    expect(installSilentBrokerCut()).toBeUndefined();
    expect(installSilentBrokerCut()).toBeUndefined();
  });
});
