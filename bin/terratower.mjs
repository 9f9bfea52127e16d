#!/usr/bin/env node
// The terratower command: runs the compiled CLI in dist/ (`npm run build` writes it; `npm install`
// in a checkout runs the build through the `prepare` script).
import { existsSync } from 'node:fs';

// The AWS SDK warns on every Node 20 process (twin daemon, each app) that its releases after
// January 2027 need Node 22; the README says so once instead. Set the variable to "false" to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const cli = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('terratower: the compiled CLI (dist/) is missing: run npm run build');
  process.exit(1);
}
await import(cli.href);
