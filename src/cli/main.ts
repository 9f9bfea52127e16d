/**
 * The terratower command. Each subcommand lives in its own module under src/cli/ and is
 * loaded only when called, so `terratower local status` does not pay for loading cdktf.
 */
import { type Command, reportError } from './command.ts';

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  synth: {
    summary: 'synthesize the AWS stack(s) to cdktf.out/',
    load: async () => (await import('./synth.ts')).default,
  },
  local: { summary: 'local twin: up | status | down', load: async () => (await import('./local.ts')).default },
  nuke: {
    summary: 'remove leftovers of earlier runs, by run tag',
    load: async () => (await import('./nuke.ts')).default,
  },
  dataset: { summary: 'dataset: generate | upload', load: async () => (await import('./dataset.ts')).default },
  ami: {
    summary: 'ami build [--only ROLE]: bake the AMIs with Packer',
    load: async () => (await import('./ami.ts')).default,
  },
  scenario: {
    summary: 'scenario: list | run NAME --target local|aws',
    load: async () => (await import('./scenario.ts')).default,
  },
  experiment: {
    summary: 'experiment: validate | run FILE | list | report ID — compare variants with statistics',
    load: async () => (await import('./experiment.ts')).default,
  },
  runs: {
    summary: 'runs: list | show ID | compare ID… [--baseline REF] [--fail-on GATE] | export ID',
    load: async () => (await import('./runs.ts')).default,
  },
  ci: {
    summary: 'ci init --github: write a GitHub Actions workflow',
    load: async () => (await import('./ci.ts')).default,
  },
  serve: {
    summary: 'HTTP API, durable run queue and web UI for experiments',
    load: async () => (await import('./serve.ts')).default,
  },
  demo: {
    summary: 'the local demo: twin via terraform, traffic-spike + zone-outage, report',
    load: async () => (await import('./demo.ts')).default,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return (
    `usage: terratower <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n` +
    "Run `terratower <command> --help` for a command's options."
  );
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    console.error(`terratower: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
  return command(rest);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.exitCode = reportError(error);
}

// A finished command exits. Every command awaits its own teardown, so what is still open here
// is a client a library left behind (a scenario run was once found idle for hours after its
// twin was gone, holding only stdio sockets). stdout and stderr to files and pipes are
// synchronous on Linux, so nothing printed is cut off; `local up`'s daemon is detached.
process.exit();
