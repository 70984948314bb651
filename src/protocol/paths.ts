// Where the per-user state folder is, as a pure function of the platform, so the companion
// (Node) and the panel (CEP with Node, or UXP) agree on where companion.json lives.

export interface PlatformFacts {
  platform: string;
  home: string;
  env: Record<string, string | undefined>;
}

const join = (...parts: string[]) => parts.join('/').replace(/\/+/g, '/');

/** REFINERY_HOME wins, then the platform's per-user application folder. */
export function defaultStateDir({ platform, home, env }: PlatformFacts): string {
  if (env.REFINERY_HOME) return env.REFINERY_HOME;
  switch (platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Refinery');
    case 'win32':
      return `${env.APPDATA ?? `${home}\\AppData\\Roaming`}\\Refinery`;
    default:
      return join(env.XDG_STATE_HOME ?? join(home, '.local', 'state'), 'refinery');
  }
}

export const COMPANION_FILE = 'companion.json';
