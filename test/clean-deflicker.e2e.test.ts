// --clean and --deflicker through the real command line.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeAll, makeClip, meanAbsDiff, runCli, tempDir } from './support/media.js';

let dir: string;
let clip: string;

beforeAll(async () => {
  dir = await tempDir();
  clip = await makeClip(join(dir, 'clip.mp4'), { fps: '25', seconds: 1, size: '256x144', args: ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-crf', '40'] });
});

describe('refinery process --clean --deflicker', () => {
  it('cleans and deflickers every frame, in the fixed step order, and reports the steps', async () => {
    const out = join(dir, 'out.mov');
    const res = await runCli(['process', clip, '-o', out, '--deflicker', '--clean', 'medium', '--json', '--state-dir', join(dir, 'state')]);
    expect(res.code, res.stderr).toBe(0);
    const result = JSON.parse(res.stdout.trim().split('\n').at(-1)!);
    expect(result.frames).toBe(25);
    expect(result.steps).toEqual([{ op: 'clean', strength: 'medium' }, { op: 'deflicker', radius: 8, local: true }]);
    const plain = join(dir, 'plain.mov');
    expect((await runCli(['process', clip, '-o', plain, '--clean', 'off', '--state-dir', join(dir, 'state')])).code).toBe(0);
    const [a, b] = [await decodeAll(out), await decodeAll(plain)];
    expect(a).toHaveLength(25);
    // Changed, but the same pictures: a small mean difference on every frame.
    for (let t = 0; t < 25; t += 6) {
      const d = meanAbsDiff(a[t]!, b[t]!);
      expect(d).toBeGreaterThan(0);
      expect(d).toBeLessThan(0.03 * 65535);
    }
  });

  it('refuses an unknown strength in one line', async () => {
    const res = await runCli(['process', clip, '-o', join(dir, 'bad.mov'), '--clean', 'max']);
    expect(res.code).not.toBe(0);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/--clean must be off, light, medium or strong/);
  });
});
