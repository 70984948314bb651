// A render that is interrupted or runs out of disk leaves nothing under the final name,
// no temporary file, and the source as it was.
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, makeClip, runCli, sha256, tempDir } from './support/media.js';

let dir: string;
let clip: string;

beforeAll(async () => {
  dir = await tempDir();
  clip = await makeClip(join(dir, 'long.mp4'), { fps: '25', seconds: 12, size: '640x360' });
});

describe('an interrupted render', () => {
  it('stops on Ctrl-C, exits 130 and removes its temporary file', async () => {
    const out = join(dir, 'out', 'long.mov');
    await mkdir(join(dir, 'out'));
    const before = await sha256(clip);
    const child = spawn(process.execPath, [CLI, 'process', clip, '-o', out, '--codec', 'prores']);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Wait until ffmpeg has started writing the temporary file, then interrupt.
    for (let i = 0; i < 200 && !(await readdir(join(dir, 'out'))).some((f) => f.endsWith('.partial')); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await readdir(join(dir, 'out'))).some((f) => f.endsWith('.partial'))).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/cancelled/);
    expect(await readdir(join(dir, 'out'))).toEqual([]);
    expect(await sha256(clip)).toBe(before);
  });
});

describe('a full disk', () => {
  let small: string;
  let mounted = false;

  beforeAll(async () => {
    small = join(dir, 'small');
    await mkdir(small);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', small], { stdio: 'ignore' });
      mounted = true;
    } catch {
      // Without the right to mount, a file-size limit stands in for the full disk below.
    }
  });

  afterAll(() => {
    if (mounted) execFileSync('umount', [small]);
  });

  it('fails with one line and leaves no partial file', async () => {
    const out = join(small, 'big.mov');
    const args = ['process', clip, '-o', out];
    const res = mounted
      ? await runCli(args)
      : await new Promise<{ code: number | null; stderr: string }>((resolve) => {
          const child = spawn('sh', ['-c', `ulimit -f 512; exec "${process.execPath}" "${CLI}" "$@"`, 'sh', ...args]);
          let stderr = '';
          child.stderr.on('data', (d) => (stderr += d));
          child.on('close', (code) => resolve({ code, stderr }));
        });
    expect(res.code).not.toBe(0);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    if (mounted) expect(res.stderr).toMatch(/disk full/);
    expect(await readdir(small)).toEqual([]);
  });
});
