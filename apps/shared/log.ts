/**
 * JSON logs: one object per line on stdout, `{time, level, app, member, msg, ...fields}`. On AWS
 * the CloudWatch agent ships them; locally the twin writes them to the member's log file.
 */

/** Log levels, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A structured logger. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `fields` to every line. */
  child(fields: Record<string, unknown>): Logger;
}

function errorFields(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

/**
 * Create a logger writing to `write` (stdout by default). The minimum level comes from
 * `TT_LOG_LEVEL` (default `info`).
 */
export function createLogger(
  base: Record<string, unknown>,
  write: (line: string) => void = (line) => process.stdout.write(line),
  minLevel: LogLevel = (process.env.TT_LOG_LEVEL as LogLevel | undefined) ?? 'info',
): Logger {
  const min = ORDER[minLevel] ?? ORDER.info;
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[level] < min) return;
    const line: Record<string, unknown> = { time: new Date().toISOString(), level, ...base, msg };
    if (fields) for (const [k, v] of Object.entries(fields)) line[k] = errorFields(v);
    write(`${JSON.stringify(line)}\n`);
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (fields) => createLogger({ ...base, ...fields }, write, minLevel),
  };
}
