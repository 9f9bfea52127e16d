#!/usr/bin/env node
// The terratower command. Sources are TypeScript run through tsx, so there is no build step
// and no stale output to get wrong.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
