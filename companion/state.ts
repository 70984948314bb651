// The per-user state folder: companion.json, the job journal, user LUTs, models, caches.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** --state-dir wins, then REFINERY_HOME, then the platform's per-user application folder. */
export function stateDir(explicit?: string): string {
  if (explicit) return resolve(explicit);
  if (process.env.REFINERY_HOME) return resolve(process.env.REFINERY_HOME);
  const home = homedir();
  switch (process.platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Refinery');
    case 'win32':
      return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Refinery');
    default:
      return join(process.env.XDG_STATE_HOME ?? join(home, '.local', 'state'), 'refinery');
  }
}
