// The quality harness's PSNR and SSIM agree with ffmpeg's psnr and ssim filters.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { blockiness, detailFlicker, flickerIndex, gmsd, luma, psnr, ssimPlane } from '../bench/quality-metrics.js';
import { decodeAll, ffmpeg, makeClip, tempDir } from './support/media.js';

const run = promisify(execFile);
const W = 160;
const H = 96;
let dir: string;
let clean: Uint16Array[];
let damaged: Uint16Array[];

async function ffmpegSays(filter: 'psnr' | 'ssim', a: string, b: string, pixFmt: string): Promise<number> {
  const { stderr } = await run(ffmpeg(), [
    '-hide_banner', '-f', 'rawvideo', '-pix_fmt', pixFmt, '-s', `${W}x${H}`, '-i', a,
    '-f', 'rawvideo', '-pix_fmt', pixFmt, '-s', `${W}x${H}`, '-i', b, '-lavfi', filter, '-f', 'null', '-',
  ]);
  const match = filter === 'psnr' ? /PSNR .*average:([\d.]+)/.exec(stderr) : /SSIM .*All:([\d.]+)/.exec(stderr);
  return Number(match![1]);
}

beforeAll(async () => {
  dir = await tempDir();
  const source = await makeClip(join(dir, 'clean.mkv'), { size: `${W}x${H}`, seconds: 0.4, audio: false, args: ['-c:v', 'ffv1', '-pix_fmt', 'yuv420p'] });
  const crushed = await makeClip(join(dir, 'crushed.mp4'), { size: `${W}x${H}`, seconds: 0.4, audio: false, args: ['-c:v', 'libx264', '-crf', '40', '-pix_fmt', 'yuv420p'] });
  clean = await decodeAll(source);
  damaged = await decodeAll(crushed);
});

describe('quality metrics', () => {
  it('PSNR matches ffmpeg\'s psnr filter (average over frames and channels)', async () => {
    const a = join(dir, 'a.rgb');
    const b = join(dir, 'b.rgb');
    await writeFile(a, Buffer.concat(damaged.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength))));
    await writeFile(b, Buffer.concat(clean.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength))));
    const ours = psnr(damaged, clean);
    expect(ours).toBeGreaterThan(20);
    expect(Math.abs(ours - (await ffmpegSays('psnr', a, b, 'rgb48le')))).toBeLessThan(0.01);
  });

  it('SSIM matches ffmpeg\'s ssim filter on the same luma', async () => {
    const gray = (frames: Uint16Array[]) => frames.map((f) => Uint8Array.from(luma(f), (v) => Math.round(v)));
    const ga = gray(damaged);
    const gb = gray(clean);
    const a = join(dir, 'a.gray');
    const b = join(dir, 'b.gray');
    await writeFile(a, Buffer.concat(ga));
    await writeFile(b, Buffer.concat(gb));
    const ours = ga.reduce((s, f, t) => s + ssimPlane(f, gb[t]!, W, H), 0) / ga.length;
    expect(ours).toBeGreaterThan(0.5);
    expect(Math.abs(ours - (await ffmpegSays('ssim', a, b, 'gray')))).toBeLessThan(0.0005);
  });

  it('blockiness is high for a blocky picture and about 0 for a smooth one', () => {
    const smooth = new Float32Array(64 * 64).map((_, i) => (i % 64) * 0.5 + Math.floor(i / 64) * 0.3);
    const blocky = smooth.map((v, i) => v + (((i % 64) >> 3) + (Math.floor(i / 64) >> 3)) % 2 * 3);
    expect(Math.abs(blockiness([smooth], 64, 64))).toBeLessThan(0.05);
    expect(blockiness([blocky], 64, 64)).toBeGreaterThan(0.5);
  });

  it('the flicker index counts brightness changes the reference does not have', () => {
    const ref = [0, 1, 2, 3].map((t) => new Float32Array(64 * 64).fill(100 + t));
    const flick = ref.map((f, t) => f.map((v) => v + (t % 2 ? 4 : 0)));
    expect(flickerIndex(ref, ref, 64, 64).global).toBe(0);
    expect(flickerIndex(flick, ref, 64, 64).global).toBeCloseTo(4, 5);
    expect(flickerIndex(flick, ref, 64, 64).local).toBeCloseTo(4, 5);
  });

  it('GMSD matches the authors\' algorithm (value from a numpy port of their MATLAB code), is 0 for equal pictures and grows with damage', () => {
    const [w, h] = [20, 14];
    const reference = new Float32Array(w * h);
    const damaged = new Float32Array(w * h);
    const worse = new Float32Array(w * h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        reference[y * w + x] = 128 + 100 * Math.sin(x / 3) * Math.cos(y / 4);
        damaged[y * w + x] = reference[y * w + x]! + 60 * Math.sin((x * y) / 5);
        worse[y * w + x] = reference[y * w + x]! + 120 * Math.sin((x * y) / 5);
      }
    expect(gmsd(damaged, reference, w, h)).toBeCloseTo(0.021808748982349226, 6);
    expect(gmsd(reference, reference, w, h)).toBeLessThan(1e-12);
    expect(gmsd(worse, reference, w, h)).toBeGreaterThan(gmsd(damaged, reference, w, h));
  });

  it('detail flicker counts detail that changes while the reference holds still, not motion', () => {
    const [w, h] = [32, 32];
    const still = Array.from({ length: 3 }, () => Float32Array.from({ length: w * h }, (_, i) => (i % 7) * 10));
    const shimmer = still.map((f, t) => f.map((v, i) => v + (t % 2 ? 2 : -2) * ((i % 3) - 1)));
    expect(detailFlicker(still, still, w, h)).toBe(0);
    expect(detailFlicker(shimmer, still, w, h)).toBeGreaterThan(1);
    // A moving picture that is its own reference: motion does not count.
    const moving = still.map((f, t) => f.map((_, i) => ((i + t) % 7) * 10));
    expect(detailFlicker(moving, moving, w, h)).toBe(0);
  });
});
