#!/usr/bin/env node
// The terratower command. Sources are TypeScript run through tsx, so there is no build step
// and no stale output to get wrong.
import { register } from 'tsx/esm/api';

// The AWS SDK warns on every Node 20 process (twin daemon, each app) that its releases after
// January 2027 need Node 22; the README says so once instead. Set the variable to "false" to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
await import('../src/cli/main.ts');
