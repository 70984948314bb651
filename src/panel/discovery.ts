// Finding the companion from inside a host: read companion.json from the per-user state
// folder (CEP with Node), and start the companion if it is not running.
import { COMPANION_FILE, defaultStateDir } from '../protocol/paths.js';

export interface CompanionAddress {
  url: string;
  token: string;
}

/** Node's modules as CEP exposes them to a panel with --enable-nodejs. */
export interface CepNode {
  require(module: 'fs'): { readFileSync(path: string, encoding: 'utf8'): string; existsSync(path: string): boolean };
  require(module: 'os'): { homedir(): string; platform(): string };
  require(module: 'child_process'): {
    spawn(command: string, args: string[], options: { detached: boolean; stdio: 'ignore' }): { unref(): void };
  };
  process: { env: Record<string, string | undefined> };
}

export class DiscoveryError extends Error {
  constructor(
    message: string,
    /** What the editor can do about it, in plain words. */
    readonly fix: string,
  ) {
    super(message);
  }
}

export function companionFile(node: CepNode): string {
  const os = node.require('os');
  const dir = defaultStateDir({ platform: os.platform(), home: os.homedir(), env: node.process.env });
  return `${dir}/${COMPANION_FILE}`;
}

export function readCompanionFile(node: CepNode): CompanionAddress {
  const fs = node.require('fs');
  const file = companionFile(node);
  if (!fs.existsSync(file)) {
    throw new DiscoveryError('The Refinery companion is not running.', 'Start it with "npx refinery companion" in the Refinery folder.');
  }
  const info = JSON.parse(fs.readFileSync(file, 'utf8')) as { port: number; token: string };
  return { url: `ws://127.0.0.1:${info.port}`, token: info.token };
}

/** Launch settings that `refinery install-panel` writes beside the extension. */
export interface LaunchSettings {
  node: string;
  cli: string;
}

/** Starts `refinery companion` detached, so it outlives the panel (and the host). */
export function startCompanion(node: CepNode, launch: LaunchSettings): void {
  node.require('child_process').spawn(launch.node, [launch.cli, 'companion'], { detached: true, stdio: 'ignore' }).unref();
}
