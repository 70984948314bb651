// `refinery install-panel`: copies the built CEP extension into the user's CEP extensions
// folder, records how to start the companion, and enables unsigned extensions.
import { execFileSync } from 'node:child_process';
import { cp, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXTENSION_ID = 'com.refinery.panel';
// Premiere 2021+ and After Effects 2021+ run CSXS 11; 12 is current. Both keys are set.
const CSXS_VERSIONS = ['11', '12'];

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const BUILT_CEP = join(REPO, 'dist', 'cep');

/** The per-user CEP extensions folder, where the host looks without admin rights. */
export function userExtensionsDir(platform = process.platform): string | undefined {
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Adobe', 'CEP', 'extensions');
  if (platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Adobe', 'CEP', 'extensions');
  return undefined;
}

/** Turns on PlayerDebugMode so the hosts load an unsigned extension; returns what was done. */
function enableUnsigned(platform: string): string[] {
  const done: string[] = [];
  for (const v of CSXS_VERSIONS) {
    if (platform === 'darwin') {
      execFileSync('defaults', ['write', `com.adobe.CSXS.${v}`, 'PlayerDebugMode', '1']);
      done.push(`defaults write com.adobe.CSXS.${v} PlayerDebugMode 1`);
    } else if (platform === 'win32') {
      execFileSync('reg', ['add', `HKCU\\Software\\Adobe\\CSXS.${v}`, '/v', 'PlayerDebugMode', '/t', 'REG_SZ', '/d', '1', '/f']);
      done.push(`reg add HKCU\\Software\\Adobe\\CSXS.${v} /v PlayerDebugMode /d 1`);
    }
  }
  return done;
}

export interface InstallResult {
  target: string;
  lines: string[];
}

export async function installPanel(dir: string | undefined, platform = process.platform): Promise<InstallResult> {
  const parent = dir ?? userExtensionsDir(platform);
  if (!parent) throw new Error(`no CEP extensions folder on ${platform} (Adobe hosts run on macOS and Windows): give one with --dir`);
  if (!(await stat(join(BUILT_CEP, 'CSXS', 'manifest.xml')).catch(() => undefined))) {
    throw new Error(`the panel is not built (${BUILT_CEP}): run "npm run build" first`);
  }
  const target = join(parent, EXTENSION_ID);
  await mkdir(parent, { recursive: true });
  await rm(target, { recursive: true, force: true });
  await cp(BUILT_CEP, target, { recursive: true });
  // The panel starts the companion with this when it is not running.
  await writeFile(join(target, 'companion-launch.json'), `${JSON.stringify({ node: process.execPath, cli: join(REPO, 'bin', 'refinery.js') }, null, 2)}\n`);
  const lines = [`installed the Refinery panel in ${target}`];
  const debug = dir ? [] : enableUnsigned(platform);
  if (debug.length) {
    lines.push(
      'enabled unsigned extensions (PlayerDebugMode), because this build of the panel is not signed:',
      ...debug.map((d) => `  ${d}`),
      'a signed .zxp (npm run package) needs no such setting.',
    );
  } else {
    lines.push('unsigned extensions load only with PlayerDebugMode=1 for CSXS.11/CSXS.12 (set by this command on macOS and Windows).');
  }
  lines.push('restart Premiere Pro or After Effects, then open Window > Extensions > Refinery.');
  return { target, lines };
}
