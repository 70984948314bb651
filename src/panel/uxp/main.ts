// The UXP build's entry (Premiere Pro 25.6+): the same panel over the `premierepro` module;
// companion.json is read through UXP's file system (the manifest grants local file access).
import { createUxpAdapter, type UxpHost } from '../../host/uxp.js';
import { CompanionClient } from '../../protocol/client.js';
import { COMPANION_FILE, defaultStateDir } from '../../protocol/paths.js';
import { PanelApp } from '../app.js';
import { DiscoveryError } from '../discovery.js';

interface UxpFs {
  readFile(path: string, options: { encoding: 'utf-8' }): Promise<string>;
  lstat(path: string): Promise<unknown>;
}

declare const require: {
  (module: 'premierepro'): UxpHost['premierepro'];
  (module: 'uxp'): { host: { version: string } };
  (module: 'fs'): UxpFs;
  (module: 'os'): { homedir(): string; platform(): string };
};

const fs = require('fs');
const os = require('os');

async function fileExists(path: string): Promise<boolean> {
  return fs.lstat(path).then(
    () => true,
    () => false,
  );
}

async function connect(): Promise<CompanionClient> {
  const file = `${defaultStateDir({ platform: os.platform(), home: os.homedir(), env: {} })}/${COMPANION_FILE}`;
  if (!(await fileExists(file))) {
    throw new DiscoveryError('The Refinery companion is not running.', 'Start it with "npx refinery companion" in the Refinery folder.');
  }
  const info = JSON.parse(await fs.readFile(file, { encoding: 'utf-8' })) as { port: number; token: string };
  return CompanionClient.connect(`ws://127.0.0.1:${info.port}`, info.token, (url) => new WebSocket(url));
}

const app = new PanelApp({
  host: createUxpAdapter({ premierepro: require('premierepro'), version: require('uxp').host.version, fileExists }),
  connect,
  storage: localStorage,
  root: document.getElementById('app')!,
});
void app.start();
