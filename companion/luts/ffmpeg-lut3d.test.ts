// Cross-checks applyLut against ffmpeg's lut3d filter on the same frame and .cube file.
// Only LUTs with the default [0,1] domain are compared: ffmpeg's .cube reader scales input
// by 1/(DOMAIN_MAX − DOMAIN_MIN) clipped to at most 1 and ignores DOMAIN_MIN as an offset
// (Resolve maps (x − min)/(max − min)), and it reads no 1D shaper in a .cube file.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCube, parseCube } from './cube.js';
import { presetCube } from './generate.js';
import { applyLut, prepareLut, type Interpolation } from './interpolate.js';
import { resolveTool } from '../media/ffmpeg.js';
import { findPreset } from './presets.js';

const ffmpeg = resolveTool('ffmpeg').path;
const SIZE = 64;

describe('applyLut agrees with ffmpeg lut3d', () => {
  let dir: string;
  let frame: Uint16Array;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'refinery-lut3d-'));
    let seed = 12345;
    frame = Uint16Array.from({ length: SIZE * SIZE * 3 }, () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 16;
    });
    await writeFile(join(dir, 'in.raw'), frame);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function viaFfmpeg(cube: string, interpolation: Interpolation): Promise<Uint16Array> {
    const args = ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb48le', '-s', `${SIZE}x${SIZE}`, '-i', 'in.raw'];
    args.push('-vf', `lut3d=file=${cube}:interp=${interpolation}`, '-f', 'rawvideo', '-pix_fmt', 'rgb48le', '-y', 'out.raw');
    await promisify(execFile)(ffmpeg, args, { cwd: dir });
    const bytes = await readFile(join(dir, 'out.raw'));
    return new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  }

  // A random lattice has the steepest gradients, so it shows any disagreement in indexing.
  function randomCube(size: number): string {
    let seed = 99;
    const table = Float32Array.from({ length: size ** 3 * 3 }, () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) / 0xffffff;
    });
    return formatCube({ lut3d: { size, domainMin: [0, 0, 0], domainMax: [1, 1, 1], table } });
  }
  const luts: Array<[string, () => string]> = [
    ['the teal-orange preset', () => presetCube(findPreset('teal-orange')!)],
    ['a random 17-point LUT', () => randomCube(17)],
  ];

  for (const [name, cube] of luts) {
    for (const interpolation of ['tetrahedral', 'trilinear'] as const) {
      it(`matches on ${name}, ${interpolation}`, async () => {
        const text = cube();
        await writeFile(join(dir, 'look.cube'), text);
        const theirs = await viaFfmpeg('look.cube', interpolation);

        const ours = new Uint16Array(frame.length);
        applyLut(prepareLut(parseCube(text, 'look.cube'), interpolation), frame, ours, 0, SIZE * SIZE, 1);

        let worst = 0;
        for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - theirs[i]!));
        // ffmpeg computes in float32 and truncates to the output code.
        expect(worst / 65535).toBeLessThanOrEqual(2 / 4096);
      });
    }
  }
});
