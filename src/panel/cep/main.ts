// The CEP build's entry (After Effects, and Premiere before 25.6): loads the host script for
// the running app, finds the companion through companion.json, and starts the panel.
import { createCepAdapter } from '../../host/cep.js';
import { CompanionClient } from '../../protocol/client.js';
import { PanelApp } from '../app.js';
import { type CepNode, DiscoveryError, type LaunchSettings, readCompanionFile, startCompanion } from '../discovery.js';
import { applyTheme } from '../theme.js';
import { type AdobeCep, CSInterface } from './csinterface.js';

declare global {
  interface Window {
    __adobe_cep__?: AdobeCep;
    /** CEP's Node.js (with --enable-nodejs); `require` and `process` are its globals too. */
    cep_node?: CepNode;
    require?: CepNode['require'];
    process?: CepNode['process'];
  }
}

const HOST_SCRIPTS: Record<string, string> = { PPRO: 'premiere.jsx', AEFT: 'aftereffects.jsx' };

function evalScript(cs: CSInterface, script: string): Promise<string> {
  return new Promise((resolve) => cs.evalScript(script, resolve));
}

async function loadLaunchSettings(node: CepNode, extension: string): Promise<LaunchSettings | undefined> {
  const fs = node.require('fs');
  const file = `${extension}/companion-launch.json`;
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as LaunchSettings) : undefined;
}

async function connect(cs: CSInterface, node: CepNode | undefined): Promise<CompanionClient> {
  if (!node) throw new DiscoveryError('This panel needs CEP\'s Node.js to find the companion.', 'Reinstall the panel with "npx refinery install-panel".');
  const open = (url: string) => new WebSocket(url);
  try {
    const address = readCompanionFile(node);
    return await CompanionClient.connect(address.url, address.token, open);
  } catch (error) {
    const launch = await loadLaunchSettings(node, cs.extensionPath());
    if (!launch) throw error;
    // Not running (or a stale companion.json): start it, then wait for it to write the file.
    startCompanion(node, launch);
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 250));
      try {
        const address = readCompanionFile(node);
        return await CompanionClient.connect(address.url, address.token, open);
      } catch {
        // still starting
      }
    }
    throw new DiscoveryError('The Refinery companion did not start.', `Run "${launch.node} ${launch.cli} companion" in a terminal to see why.`);
  }
}

async function main(): Promise<void> {
  const cep = window.__adobe_cep__;
  const root = document.getElementById('app')!;
  if (!cep) {
    root.textContent = 'This panel runs inside Premiere Pro or After Effects.';
    return;
  }
  const cs = new CSInterface(cep);
  const env = cs.hostEnvironment();
  const theme = () => applyTheme(document.documentElement, cs.hostEnvironment().appSkinInfo);
  theme();
  cs.onThemeChange(theme);
  const script = HOST_SCRIPTS[env.appName];
  if (script) await evalScript(cs, `$.evalFile(${JSON.stringify(`${cs.extensionPath()}/host/${script}`)})`);
  const node = window.cep_node ?? (window.require && window.process ? { require: window.require, process: window.process } : undefined);
  const app = new PanelApp({
    host: createCepAdapter((s, cb) => cs.evalScript(s, cb)),
    connect: () => connect(cs, node),
    storage: window.localStorage,
    root,
  });
  await app.start();
}

void main();
