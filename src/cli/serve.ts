/**
 * `terratower serve [--port N] [--host ADDR] [--store LOCATION] [--token-file FILE] [--slots 0,1]`:
 * the HTTP API, the durable run queue and the web UI in one process. SIGTERM/SIGINT stop it
 * the way `POST /api/shutdown` does: no new runs start, the run in flight finishes, then it
 * exits; a second signal cancels the run in flight (rollbacks, destroy) and exits; a third exits
 * at once (the next start destroys what the run left and marks it interrupted).
 */
import { parseCommandArgs } from './args.ts';
import { CommandError, type Command } from './command.ts';

const USAGE = `usage: terratower serve [options]

  --port N            port (default 7300; 0 picks a free one)
  --host ADDR         address to bind (default 127.0.0.1; anything else exposes the API)
  --store LOCATION    run store: a SQLite file or s3://BUCKET/PREFIX (default: $TERRATOWER_STORE,
                      else <cache>/store/runs.db)
  --token-file FILE   bearer token file, created 0600 on first start (default <cache>/service/token)
  --reports DIR       where run reports go (default <cache>/service/reports)
  --slots LIST        twin address slots runs may use, one run at a time in each (default 0)`;

const command: Command = async (argv) => {
  const parsed = parseCommandArgs(
    argv,
    {
      options: {
        port: { type: 'string', default: '7300' },
        host: { type: 'string', default: '127.0.0.1' },
        store: { type: 'string' },
        'token-file': { type: 'string' },
        reports: { type: 'string' },
        slots: { type: 'string', default: '0' },
      },
    },
    USAGE,
  );
  if (!parsed) return 0;
  const { values } = parsed;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CommandError(`serve: --port ${values.port}: use a whole number from 0 to 65535`, 2);
  const slots = values.slots.split(',').map((s) => Number(s.trim()));
  if (slots.some((s) => !Number.isInteger(s) || s < 0 || s > 7) || new Set(slots).size !== slots.length)
    throw new CommandError(`serve: --slots ${values.slots}: give distinct slots 0–7, e.g. 0 or 0,1`, 2);

  const { startService } = await import('../service/index.ts');
  let service;
  try {
    service = await startService({
      port,
      host: values.host,
      slots,
      ...(values.store ? { store: values.store } : {}),
      ...(values['token-file'] ? { tokenFile: values['token-file'] } : {}),
      ...(values.reports ? { reportsDir: values.reports } : {}),
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new CommandError(`serve: ${values.host}:${port} is in use: pick another --port`);
    if (e.code === 'EADDRNOTAVAIL')
      throw new CommandError(`serve: cannot bind ${values.host}: give an address of this machine with --host`);
    throw error;
  }
  for (const line of service.recovered) console.error(`terratower serve: ${line}`);
  console.error(`terratower serve: listening on ${service.url} (store ${service.store.location})`);
  console.error(
    `terratower serve: bearer token in ${service.tokenFile}${service.tokenCreated ? ' (new)' : ''}; the UI: ${service.url}/#token=<the token>`,
  );
  if (values.host !== '127.0.0.1' && values.host !== 'localhost' && values.host !== '::1')
    console.error(`terratower serve: bound to ${values.host}: reachable beyond this machine`);

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      void service.requestShutdown().then((answer) => {
        console.error(
          answer.busy
            ? `terratower serve: ${signal}: waiting for the run in flight to finish (${signal} again cancels it)`
            : `terratower serve: ${signal}: stopping`,
        );
      });
    } else if (signals === 2) {
      console.error(
        `terratower serve: ${signal} again: cancelling the run in flight (rollbacks, destroy); once more exits at once`,
      );
      void service.close();
    } else {
      // What is left is destroyed by the next start's recovery (or `terratower nuke`).
      console.error(`terratower serve: ${signal} a third time: exiting now; the next start cleans up`);
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await service.stopped;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  console.error('terratower serve: stopped');
  return 0;
};
export default command;
