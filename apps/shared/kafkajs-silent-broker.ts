/**
 * A broker that stops answering without closing its connections (a frozen process, a host whose
 * kernel still accepts TCP while the broker is stuck) stays "connected" to kafkajs 2.2.4: each
 * request to it waits out `requestTimeout`, and kafkajs keeps choosing it. In zone-outage the one
 * producer, in a healthy zone, sent nothing for the whole freeze, through three paths:
 *
 * - a metadata refresh asks a random *connected* broker, and when none is connected it connects
 *   to a random one: the frozen one accepts the TCP connection and never answers;
 * - the seed connect (`BrokerPool.connect`, at every producer or consumer (re)connect) moves to
 *   another bootstrap broker only on a connection error, not on a request timeout;
 * - a consumer group's coordinator is looked up only when the member joins, so heartbeats go on
 *   to a frozen coordinator until kafkajs's retries run out (minutes). The producers' object
 *   claims ride on such a group (apps/producer/claims.ts), so production stopped with them.
 *
 * What this changes, as the Java client behaves after `request.timeout.ms`:
 *
 * - a request that times out closes its connection (the other requests on it fail at once) and
 *   fails as a `KafkaJSConnectionError`, which kafkajs handles by refreshing metadata and moving
 *   the seed to another broker;
 * - the broker is *silent* from then until any byte arrives from it; wherever kafkajs picks "any
 *   broker" (a metadata refresh, a coordinator look-up) it picks answering brokers first, and a
 *   request to it fails at once except one every `SILENT_PROBE_INTERVAL_MS` (a leader stays
 *   the leader until the controller fences it: 9 s after the freeze, or 15 s when the frozen
 *   broker was the active KRaft controller, and each request to it would wait 12 s);
 * - a heartbeat that cannot reach its coordinator fails as "not the coordinator", so the member
 *   rejoins through a fresh coordinator look-up.
 *
 * This is only right if a broker that is alive answers within `requestTimeout`. A leader waiting
 * for acks=all replicas holds a produce request up to the request's ack timeout, so producers
 * send with an ack timeout below `requestTimeout` (`PRODUCE_ACK_TIMEOUT_MS` in kafka.ts).
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { unsupportedKafkajs } from './kafkajs-replace.ts';

const require = createRequire(import.meta.url);

interface KafkajsConnection {
  host: string;
  port: number;
  socket?: Socket;
  send(this: KafkajsConnection, ...args: unknown[]): Promise<unknown>;
  processData(this: KafkajsConnection, ...args: unknown[]): unknown;
}

interface KafkajsBroker {
  connectionPool: { host: string; port: number };
  isConnected(): boolean;
}

interface KafkajsBrokerPool {
  brokers: Record<string, KafkajsBroker>;
  seedBroker: KafkajsBroker;
  findBroker(query: { nodeId: string }): Promise<KafkajsBroker>;
  connect(): Promise<void>;
  findConnectedBroker(this: KafkajsBrokerPool): Promise<KafkajsBroker>;
  withBroker<T>(
    this: KafkajsBrokerPool,
    callback: (args: { nodeId: string; broker: KafkajsBroker }) => Promise<T>,
  ): Promise<T | null>;
}

type ErrorClass = new (message: string, options?: { broker?: string; code?: string }) => Error;

const INSTALLED = Symbol.for('terratower.kafkajs.silentBrokerCut');

/** Kafka's NOT_COORDINATOR error code: kafkajs rejoins the group (and looks the coordinator up) on it. */
const NOT_COORDINATOR = 16;

/**
 * While a broker is silent, one request every this many ms goes to it (to notice it is back); the
 * others fail at once as connection errors, so a client whose metadata still names the silent
 * broker as a leader (leadership moves only once the controller fences it) refreshes and retries
 * with backoff instead of waiting out another request timeout.
 */
export const SILENT_PROBE_INTERVAL_MS = 5000;

/** Brokers (`host:port`) whose last request timed out and that sent nothing since: when last tried. */
const silent = new Map<string, number>();

/** Whether `host:port` timed out a request and has sent nothing since. */
export function isSilent(address: string): boolean {
  return silent.has(address);
}

/** `nodeIds` shuffled (as kafkajs does), the brokers that answer first. */
export function answeringFirst(nodeIds: readonly string[], addressOf: (nodeId: string) => string): string[] {
  const shuffled = [...nodeIds];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  return [
    ...shuffled.filter((id) => !silent.has(addressOf(id))),
    ...shuffled.filter((id) => silent.has(addressOf(id))),
  ];
}

/**
 * Patch kafkajs (see the module comment). Idempotent. Returns why it did not, undefined when it
 * did (or already had).
 */
export function installSilentBrokerCut(): string | undefined {
  const unsupported = unsupportedKafkajs();
  if (unsupported) return unsupported;
  const Connection = require('kafkajs/src/network/connection.js') as { prototype: KafkajsConnection };
  const proto = Connection.prototype as KafkajsConnection & { [INSTALLED]?: true };
  if (proto[INSTALLED]) return undefined;
  const { KafkaJSConnectionError, KafkaJSBrokerNotFound } = require('kafkajs/src/errors.js') as {
    KafkaJSConnectionError: ErrorClass;
    KafkaJSBrokerNotFound: ErrorClass;
  };
  const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as {
    createErrorFromCode: (code: number) => Error;
  };

  const send = proto.send;
  proto.send = async function sendCuttingSilentBroker(this: KafkajsConnection, ...args: unknown[]) {
    const address = `${this.host}:${this.port}`;
    const triedAt = silent.get(address);
    if (triedAt !== undefined) {
      if (Date.now() - triedAt < SILENT_PROBE_INTERVAL_MS)
        throw new KafkaJSConnectionError(
          'the broker is not answering (a request timed out, nothing heard since): not sending',
          {
            broker: address,
            code: 'ETIMEDOUT',
          },
        );
      silent.set(address, Date.now()); // this request is the probe
    }
    try {
      return await send.apply(this, args);
    } catch (error) {
      if ((error as Error | null)?.name !== 'KafkaJSRequestTimeoutError') throw error;
      silent.set(address, Date.now());
      // Destroying the socket with an error runs kafkajs's own error path: the other requests on
      // this connection are rejected and it is marked disconnected, so it is not picked again.
      this.socket?.destroy(new Error('request timed out: broker not answering'));
      throw new KafkaJSConnectionError(`${(error as Error).message}: the broker is not answering`, {
        broker: address,
        code: 'ETIMEDOUT',
      });
    }
  };
  const processData = proto.processData;
  proto.processData = function processDataFromAnsweringBroker(this: KafkajsConnection, ...args: unknown[]) {
    silent.delete(`${this.host}:${this.port}`);
    return processData.apply(this, args);
  };

  const BrokerPool = require('kafkajs/src/cluster/brokerPool.js') as { prototype: KafkajsBrokerPool };
  const addressIn =
    (pool: KafkajsBrokerPool) =>
    (nodeId: string): string => {
      const { host, port } = pool.brokers[nodeId]!.connectionPool;
      return `${host}:${port}`;
    };
  BrokerPool.prototype.findConnectedBroker = async function findAnsweringBroker(this: KafkajsBrokerPool) {
    const nodeIds = answeringFirst(Object.keys(this.brokers), addressIn(this));
    const connected = nodeIds.find((id) => this.brokers[id]!.isConnected() && !isSilent(addressIn(this)(id)));
    if (connected) return await this.findBroker({ nodeId: connected });
    for (const nodeId of nodeIds) {
      try {
        return await this.findBroker({ nodeId });
      } catch {}
    }
    await this.connect(); // every known broker failed: metadata may be old, start from the seeds
    return this.seedBroker;
  };
  BrokerPool.prototype.withBroker = async function withAnsweringBroker<T>(
    this: KafkajsBrokerPool,
    callback: (args: { nodeId: string; broker: KafkajsBroker }) => Promise<T>,
  ): Promise<T | null> {
    const nodeIds = answeringFirst(Object.keys(this.brokers), addressIn(this));
    if (nodeIds.length === 0) throw new KafkaJSBrokerNotFound('No brokers in the broker pool');
    for (const nodeId of nodeIds) {
      const broker = await this.findBroker({ nodeId });
      try {
        return await callback({ nodeId, broker });
      } catch {}
    }
    return null;
  };

  const Broker = require('kafkajs/src/broker/index.js') as {
    prototype: { heartbeat(this: unknown, ...args: unknown[]): Promise<unknown> };
  };
  const heartbeat = Broker.prototype.heartbeat;
  Broker.prototype.heartbeat = async function heartbeatOrRejoin(this: unknown, ...args: unknown[]) {
    try {
      return await heartbeat.apply(this, args);
    } catch (error) {
      const name = (error as Error | null)?.name;
      if (name !== 'KafkaJSConnectionError' && name !== 'KafkaJSConnectionClosedError') throw error;
      throw createErrorFromCode(NOT_COORDINATOR);
    }
  };
  proto[INSTALLED] = true;
  return undefined;
}
