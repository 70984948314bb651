// `refinery process --face` through the real CLI, on a clip panned across a real face.
import { execFile } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ASTRONAUT, ASTRONAUT_FACE, templateMarks } from './support/faces.js';
import { decodeAll, ffmpeg, runCli, tempDir } from './support/media.js';
import { faceNet } from './support/onnx-fixtures.js';

const run = promisify(execFile);
const W = 320;
const H = 240;
const FRAMES = 6;
/** Where frame n's window lies on the photograph: the face pans left and up. */
const pan = (n: number) => ({ x: 60 + 8 * n, y: 10 + 2 * n });

let dir: string;
let clip: string;

beforeAll(async () => {
  dir = await tempDir('refinery-face-');
  clip = join(dir, 'pan.mp4');
  await run(ffmpeg(), [
    '-v', 'error', '-y', '-loop', '1', '-framerate', '12', '-i', ASTRONAUT,
    '-vf', `crop=${W}:${H}:60+8*n:10+2*n,format=yuv420p`, '-frames:v', String(FRAMES),
    '-c:v', 'libx264', '-crf', '16', '-color_primaries', 'bt709', '-color_trc', 'bt709', '-colorspace', 'bt709', clip,
  ]);
});

/** Centroid of the green channel's increase within `radius` of a point. */
function centroid(before: Uint16Array, after: Uint16Array, at: { x: number; y: number }, radius: number) {
  let sx = 0;
  let sy = 0;
  let sw = 0;
  for (let y = Math.round(at.y) - radius; y <= at.y + radius; y++) {
    for (let x = Math.round(at.x) - radius; x <= at.x + radius; x++) {
      const i = (y * W + x) * 3 + 1;
      const w = Math.max(0, after[i]! - before[i]! - 1000);
      sx += w * x;
      sy += w * y;
      sw += w;
    }
  }
  return { x: sx / sw, y: sy / sw, weight: sw };
}

describe('refinery process --face', () => {
  it('restores the face with an installed face model, aligned to the face as it moves', async () => {
    const state = join(dir, 'state-model');
    // A GFPGAN-signature network that paints dots on the template's eyes, nose and mouth corners.
    const model = join(dir, 'marks.onnx');
    await writeFile(model, faceNet({ offset: templateMarks(0.6, 3) }));
    const added = await runCli(['models', 'add', model, '--task', 'face', '--id', 'fixture-marks', '--state-dir', state]);
    expect(added.code, added.stderr).toBe(0);

    const out = join(dir, 'model.mov');
    const res = await runCli(['process', clip, '-o', out, '--face', '--json', '--state-dir', state]);
    expect(res.code, res.stderr).toBe(0);
    const result = JSON.parse(res.stdout.trim());
    expect(result.steps).toEqual([{ op: 'face', strength: 1 }]);
    expect(result.warnings.join('\n')).toMatch(/face: 1 face\(s\) restored in 6 of 6 frames with face model fixture-marks/);

    const [source, refined] = [await decodeAll(clip), await decodeAll(out)];
    expect(refined).toHaveLength(FRAMES);
    // On the photograph (pan undone), the dots sit on her eyes in every frame.
    for (const eye of [ASTRONAUT_FACE.leftEye, ASTRONAUT_FACE.rightEye]) {
      const onPhoto = Array.from({ length: FRAMES }, (_, n) => {
        const { x, y } = pan(n);
        const found = centroid(source[n]!, refined[n]!, { x: eye.x - x, y: eye.y - y }, 8);
        expect(found.weight).toBeGreaterThan(0);
        return { x: found.x + x, y: found.y + y };
      });
      for (const p of onPhoto) expect(Math.hypot(p.x - eye.x, p.y - eye.y)).toBeLessThan(5);
    }
  });

  it('without a face model, enhances the face through the upscale network and says so, leaving the rest of the picture alone', async () => {
    const state = join(dir, 'state-fallback');
    const plain = join(dir, 'plain.mov');
    const out = join(dir, 'fallback.mov');
    expect((await runCli(['process', clip, '-o', plain, '--state-dir', state])).code).toBe(0);
    const res = await runCli(['process', clip, '-o', out, '--face', '--json', '--state-dir', state]);
    expect(res.code, res.stderr).toBe(0);
    const warnings: string = JSON.parse(res.stdout.trim()).warnings.join('\n');
    expect(warnings).toMatch(/face: 1 face\(s\) restored in 6 of 6 frames with super-resolution \((esrgan-slim-x[24]|refinery-x[24][\w-]*)\)/);
    expect(res.stderr).toMatch(/no face model is installed/);

    const [before, after] = [await decodeAll(plain), await decodeAll(out)];
    const region = (frame: Uint16Array, other: Uint16Array, x0: number, y0: number, x1: number, y1: number) => {
      let sum = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) for (let c = 0; c < 3; c++) sum += Math.abs(frame[(y * W + x) * 3 + c]! - other[(y * W + x) * 3 + c]!);
      return sum / ((x1 - x0) * (y1 - y0) * 3 * 65535);
    };
    for (let n = 0; n < FRAMES; n++) {
      const { x, y } = pan(n);
      const nose = { x: ASTRONAUT_FACE.nose.x - x, y: ASTRONAUT_FACE.nose.y - y };
      // Changed on the face, untouched in the corner far from it.
      expect(region(after[n]!, before[n]!, nose.x - 20, nose.y - 25, nose.x + 20, nose.y + 15)).toBeGreaterThan(0.0005);
      expect(region(after[n]!, before[n]!, W - 40, H - 40, W, H)).toBe(0);
    }
  }, 300_000);

  it('refuses a face model that is not installed, and face options without --face, in one line', async () => {
    const state = join(dir, 'state-empty');
    for (const [flags, message] of [
      [['--face', '--face-model', 'gfpgan-1.4'], /unknown model "gfpgan-1\.4" for face/],
      [['--face-strength', '0.5'], /--face-model and --face-strength need --face/],
      [['--face', '--face-strength', '2'], /--face-strength must be a number from 0 to 1/],
    ] as const) {
      const res = await runCli(['process', clip, '-o', join(dir, 'none.mov'), ...flags, '--state-dir', state]);
      expect(res.code).not.toBe(0);
      expect(res.stderr).toMatch(message);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(await readdir(dir)).not.toContain('none.mov');
  });
});
