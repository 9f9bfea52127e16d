/**
 * Which Cassandra write errors are worth retrying. Transient: the cluster cannot take the write
 * right now (no host, timeouts, not enough replicas, overloaded, bootstrapping). Permanent: the
 * write itself is wrong (invalid value, syntax, schema, authorization) — it goes to the
 * dead-letter topic. An error we do not recognise is treated as transient: retrying a bad write
 * stalls a partition (visible as lag), dead-lettering a good one loses it.
 */
import { types } from 'cassandra-driver';

const TRANSIENT_CODES = new Set<number>([
  types.responseErrorCodes.serverError,
  types.responseErrorCodes.unavailableException,
  types.responseErrorCodes.overloaded,
  types.responseErrorCodes.isBootstrapping,
  types.responseErrorCodes.truncateError,
  types.responseErrorCodes.writeTimeout,
  types.responseErrorCodes.readTimeout,
  types.responseErrorCodes.writeFailure,
  types.responseErrorCodes.unprepared,
]);

const PERMANENT_CODES = new Set<number>([
  types.responseErrorCodes.syntaxError,
  types.responseErrorCodes.invalid,
  types.responseErrorCodes.unauthorized,
  types.responseErrorCodes.configError,
  types.responseErrorCodes.functionFailure,
  types.responseErrorCodes.protocolError,
]);

/** Errors of the driver that mean "try again later". */
const TRANSIENT_NAMES = new Set([
  'NoHostAvailableError',
  'OperationTimedOutError',
  'BusyConnectionError',
  'DriverInternalError',
]);

/** Errors raised while encoding a value: the value can never be written. */
const ENCODING_NAMES = new Set(['TypeError', 'RangeError', 'ArgumentError']);

/** How to treat a failed write. */
export type WriteErrorClass = 'transient' | 'permanent';

/** Classify a write error. */
export function classifyWriteError(error: unknown): WriteErrorClass {
  const e = error as { name?: string; code?: number } | null;
  if (!e || typeof e !== 'object') return 'transient';
  if (e.name === 'ResponseError' && typeof e.code === 'number') {
    if (PERMANENT_CODES.has(e.code)) return 'permanent';
    if (TRANSIENT_CODES.has(e.code)) return 'transient';
    return 'transient';
  }
  if (e.name && TRANSIENT_NAMES.has(e.name)) return 'transient';
  if (e.name && ENCODING_NAMES.has(e.name)) return 'permanent';
  return 'transient';
}
