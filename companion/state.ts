// The per-user state folder: companion.json, the job journal, user LUTs, models, caches.
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { defaultStateDir } from '../src/protocol/paths.js';

/** --state-dir wins, then REFINERY_HOME, then the platform's per-user application folder. */
export function stateDir(explicit?: string): string {
  return resolve(explicit ?? defaultStateDir({ platform: process.platform, home: homedir(), env: process.env }));
}
