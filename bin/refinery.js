#!/usr/bin/env node
// The `refinery` command: runs the compiled CLI (npm ci / npm run build writes dist/).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/companion/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('refinery: not built yet; run "npm run build" in the refinery folder\n');
  process.exit(1);
}
await import(cli.href);
