// The tool's own version, from package.json, for sidecars, doctor and the protocol.
import { readFileSync } from 'node:fs';

function findPackageJson(): { name: string; version: string } {
  // Works from the TypeScript sources (companion/) and from the build (dist/companion/).
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name: string; version: string };
      if (pkg.name === 'refinery') return pkg;
    } catch {
      // try the next candidate
    }
  }
  throw new Error('package.json of refinery not found');
}

export const VERSION = findPackageJson().version;
