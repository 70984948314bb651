// The clean step on small synthetic frames, its kernels run in-process.
import { describe, expect, it } from 'vitest';
import { blockingBoost, createClean, gridFrom, gridShows } from './clean.js';
import { DCT_SCALE, fdct8x8, idct8x8Add } from './clean-dct.js';
import { dctShrink, deblockColumns, deblockRows, gridSteps, rgbToYcc, yccToRgb } from './clean-kernels.js';
import type { Frame, StepInstance } from './step.js';
import { inlinePool, random } from '../../test/support/kernels.js';
import { SimdArena } from '../simd/arena.js';

const W = 96;
const H = 64;

/** A textured picture: soft gradients, a disc and fine stripes, shifted by (dx, dy). */
function scene(dx = 0, dy = 0): Uint16Array {
  const data = new Uint16Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const u = x - dx;
      const v = y - dy;
      const disc = (u - 40) ** 2 + (v - 30) ** 2 < 15 ** 2 ? 0.3 : 0;
      const base = 0.2 + 0.4 * (u / W) + 0.2 * Math.sin(v / 9) + disc;
      for (let c = 0; c < 3; c++) data[(y * W + x) * 3 + c] = Math.round(Math.min(1, Math.max(0, base * (0.8 + 0.1 * c))) * 65535);
    }
  }
  return data;
}

function noisy(clean: Uint16Array, sigma: number, rand: () => number): Uint16Array {
  return clean.map((v) => {
    const g = Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
    return Math.min(65535, Math.max(0, Math.round(v + g * sigma)));
  });
}

function frame(data: Uint16Array): Frame {
  const shared = new Uint16Array(new SharedArrayBuffer(data.byteLength));
  shared.set(data);
  return { width: W, height: H, data: shared };
}

async function runAll(step: StepInstance, inputs: Uint16Array[]): Promise<Frame[]> {
  const out: Frame[] = [];
  for (const d of inputs) out.push(...(await step.push(frame(d))));
  out.push(...(await step.flush()));
  return out;
}

/** gridSteps over a whole plane of width W, by way of an arena. */
function steps(p: Float32Array, horizontal: boolean): number[] {
  const arena = new SimdArena();
  const plane = arena.floats(p.length);
  plane.set(p);
  return gridSteps(arena.memory, plane, W, p.length / W, horizontal, arena.float64s(24), 0, p.length);
}

function mse(a: Uint16Array, b: Uint16Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s / a.length;
}

/** Fine picture detail in 8-bit units, and the same coded as JPEG at quality 14, decoded to 8 bits. */
function detailAndJpeg(seed: number): { detail: Float32Array; blocky: Float32Array } {
  const n = W * H;
  const rand = random(seed);
  const detail = new Float32Array(n);
  for (let r = 0; r < H; r++) {
    for (let x = 0; x < W; x++) detail[r * W + x] = 110 + 40 * Math.sin(x / 23) * Math.cos(r / 17) + 6 * Math.sin((x + 2 * r) / 1.7) + (rand() - 0.5) * 8;
  }
  // The standard luminance table (ITU-T T.81 Annex K) scaled by 5000/14 %.
  const table = [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99];
  const blocky = new Float32Array(n);
  const b = new Float64Array(64);
  for (let by = 0; by < H; by += 8) {
    for (let bx = 0; bx < W; bx += 8) {
      fdct8x8(detail, by * W + bx, W, b);
      for (let k = 0; k < 64; k++) {
        const q = DCT_SCALE[k]! * Math.round((table[k]! * 5000) / 14 / 100);
        b[k] = (Math.round(b[k]! / q) * q) / 64;
      }
      idct8x8Add(b, blocky, by * W + bx, W);
    }
  }
  for (let i = 0; i < n; i++) blocky[i] = Math.round(blocky[i]!);
  return { detail, blocky };
}

describe('clean', () => {
  it('reduces noise on a static scene by more than half', async () => {
    const clean = scene();
    const rand = random(7);
    const inputs = Array.from({ length: 8 }, () => noisy(clean, 1500, rand));
    const out = await runAll(createClean('medium', W, H, inlinePool()), inputs);
    const before = inputs.reduce((s, f) => s + mse(f, clean), 0);
    const after = out.reduce((s, f) => s + mse(f.data, clean), 0);
    expect(after).toBeLessThan(before * 0.5);
  });

  it('keeps still areas still: the shrinkage comes before the average, which smooths its toggling', async () => {
    const clean = scene();
    const rand = random(11);
    const inputs = Array.from({ length: 10 }, () => noisy(clean, 700, rand));
    const out = await runAll(createClean('medium', W, H, inlinePool()), inputs);
    // Mean absolute change from frame to frame, past the first frames (the recursion's start).
    const change = (frames: Uint16Array[]) => {
      let s = 0;
      for (let t = 4; t < frames.length; t++) for (let i = 0; i < frames[t]!.length; i++) s += Math.abs(frames[t]![i]! - frames[t - 1]![i]!);
      return s / ((frames.length - 4) * frames[0]!.length);
    };
    // 0.039 of the input's; 0.067 with the shrinkage after the average.
    expect(change(out.map((f) => f.data))).toBeLessThan(change(inputs) * 0.05);
  });

  it('keeps a moving sharp edge sharp (no smear, no ghost)', async () => {
    const inputs = Array.from({ length: 7 }, (_, t) => scene(2 * t, t));
    for (const strength of ['light', 'medium', 'strong'] as const) {
      const out = await runAll(createClean(strength, W, H, inlinePool()), inputs);
      for (let t = 0; t < inputs.length; t++) {
        // Within 1% of full scale RMS of the clean moving picture.
        expect(Math.sqrt(mse(out[t]!.data, inputs[t]!))).toBeLessThan(655);
      }
    }
  });

  it('returns every frame once, in order, through push and flush', async () => {
    const levels = [0.1, 0.5, 0.9, 0.3, 0.7, 0.1, 0.5];
    const inputs = levels.map((l) => new Uint16Array(W * H * 3).fill(Math.round(l * 65535)));
    const step = createClean('strong', W, H, inlinePool());
    const early = [] as Frame[];
    for (const d of inputs.slice(0, 2)) early.push(...(await step.push(frame(d))));
    expect(early).toHaveLength(0); // strong looks three frames ahead
    const out = [...early];
    for (const d of inputs.slice(2)) out.push(...(await step.push(frame(d))));
    out.push(...(await step.flush()));
    expect(out).toHaveLength(levels.length);
    // Each frame is a different flat level (like cuts): none may bleed into another.
    out.forEach((f, t) => expect(Math.abs(f.data[0]! / 65535 - levels[t]!)).toBeLessThan(0.01));
  });

  it('leaves the other scene out at a cut, however wide its weights for noise', async () => {
    const a = scene();
    const b = scene(30, 12).map((v) => 65535 - v);
    const rand = random(11);
    const clean = [a, a, a, a, b, b, b, b];
    const inputs = clean.map((c) => noisy(c, 600, rand));
    for (const strength of ['light', 'medium', 'strong'] as const) {
      const out = await runAll(createClean(strength, W, H, inlinePool()), inputs);
      // Each frame is nearer its own clean picture than its noisy input was: nothing of the other scene.
      out.forEach((f, t) => expect(mse(f.data, clean[t]!), `${strength} frame ${t}`).toBeLessThan(mse(inputs[t]!, clean[t]!)));
    }
  });

  it('smooths the steps of an 8x8 block grid and finds the grid at 0', () => {
    const n = W * H;
    const arena = new SimdArena();
    const p = { y: arena.floats(n), cb: arena.floats(n), cr: arena.floats(n) };
    const { y } = p;
    const rand = random(3);
    const offsets = Array.from({ length: (W / 8) * (H / 8) }, () => (rand() - 0.5) * 6);
    for (let r = 0; r < H; r++) for (let x = 0; x < W; x++) y[r * W + x] = 100 + x * 0.3 + r * 0.2 + offsets[(r >> 3) * (W / 8) + (x >> 3)]!;
    const gx = gridFrom(steps(y, true));
    const gy = gridFrom(steps(y, false));
    expect([gx.phase, gy.phase]).toEqual([0, 0]);
    expect(gx.e8).toBeGreaterThan(0.5);
    const step = (p: Float32Array) => {
      let s = 0;
      for (let r = 0; r < H; r++) for (let x = 8; x < W; x += 8) s += Math.abs(p[r * W + x]! - p[r * W + x - 1]! - 0.3);
      return s;
    };
    const before = step(y);
    const params = { phaseX: 0, phaseY: 0, t8: 10, t4: 0, tc: 0 };
    deblockRows(arena.memory, p, W, params, 0, n);
    deblockColumns(arena.memory, p, W, H, params, false, 0, n);
    expect(step(y)).toBeLessThan(before * 0.5);
  });

  it('tells heavy block coding from fine picture detail, and raises the DCT floor only for the blocks', () => {
    const { detail, blocky } = detailAndJpeg(5);
    const lift = (p: Float32Array) => Math.min(gridFrom(steps(p, true)).lift, gridFrom(steps(p, false)).lift);
    expect(blockingBoost(lift(detail))).toBe(1);
    expect(blockingBoost(lift(blocky))).toBeGreaterThan(2);
    // The firmer floor of medium, and the flat blocks' threshold, are for the blocks alone.
    expect(gridShows(lift(detail))).toBe(0);
    expect(gridShows(lift(blocky))).toBe(1);
  });

  it('does not take the frames after one plainly blocky frame (an intra frame) for damaged', async () => {
    const { detail, blocky } = detailAndJpeg(5);
    const grey = (p: Float32Array) => {
      const data = new Uint16Array(W * H * 3);
      for (let i = 0; i < W * H; i++) data.fill(Math.round(Math.min(255, Math.max(0, p[i]!))) * 257, 3 * i, 3 * i + 3);
      return data;
    };
    const rand = random(3);
    const later = Array.from({ length: 11 }, () => noisy(grey(detail), 60, rand));
    const startBlocky = await runAll(createClean('medium', W, H, inlinePool()), [grey(blocky), ...later]);
    const startClean = await runAll(createClean('medium', W, H, inlinePool()), [later[0]!, ...later]);
    // Past the frames whose window holds the first one, both runs clean the same detail alike.
    for (let t = 5; t < later.length + 1; t++) expect(Math.sqrt(mse(startBlocky[t]!.data, startClean[t]!.data))).toBeLessThan(30);
  });

  it('converts RGB to Y\'CbCr and back losslessly', () => {
    const rgb = scene(3, 1);
    // An odd count of pixels in each band, so both the four-pixel and the one-pixel paths run.
    const n = W * H - 3;
    const arena = new SimdArena();
    const p = [arena.floats(n), arena.floats(n), arena.floats(n)] as const;
    const staging = arena.uint16s(3 * n);
    rgbToYcc(arena.memory, rgb, staging, ...p, 0, 1001);
    rgbToYcc(arena.memory, rgb, staging, ...p, 1001, n);
    const back = new Uint16Array(rgb.length);
    yccToRgb(...p, back, 0, n);
    back.set(rgb.subarray(3 * n), 3 * n);
    expect(Math.max(...back.map((v, i) => Math.abs(v - rgb[i]!)))).toBeLessThanOrEqual(1);
  });

  it('has a fast DCT that agrees with the plain matrix product', () => {
    const rand = random(11);
    const block = new Float32Array(64);
    const coefficients = new Float64Array(64);
    for (let trial = 0; trial < 50; trial++) {
      for (let i = 0; i < 64; i++) block[i] = rand() * 255;
      fdct8x8(block, 0, 8, coefficients);
      const plain = matrixDct(Float64Array.from(block));
      for (let k = 0; k < 64; k++) expect(Math.abs(coefficients[k]! / DCT_SCALE[k]! - plain[k]!)).toBeLessThan(1e-9);
      // The inverse of the coefficients over 64, added onto an offset, gives the block back.
      const back = new Float64Array(64).fill(1);
      for (let k = 0; k < 64; k++) coefficients[k]! /= 64;
      idct8x8Add(coefficients, back, 0, 8);
      for (let i = 0; i < 64; i++) expect(Math.abs(back[i]! - 1 - block[i]!)).toBeLessThan(1e-9);
    }
  });

  it('shrinks shifted DCT blocks as a plain per-pixel average of thresholded blocks would', () => {
    const rand = random(5);
    const w = 45;
    const h = 27;
    const arena = new SimdArena();
    const src = arena.floats(w * h);
    src.set(Float32Array.from({ length: w * h }, (_, i) => 100 + 40 * Math.sin((i % w) / 6) + 20 * Math.cos(i / w / 4) + (rand() - 0.5) * 12));
    const dst = arena.floats(w * h);
    const block = arena.floats(64);
    // flat 12: blocks left with at most 5 AC coefficients above 5 are thresholded at 12.
    for (const [shifts, flat] of [[1, 0], [2, 0], [4, 0], [8, 0], [4, 12]] as const) {
      const expected = plainShrink(src, w, h, 5, shifts, flat);
      for (const bands of [1, 3]) {
        // Whatever was there before is overwritten.
        dst.fill(1e6);
        for (let b = 0; b < bands; b++) dctShrink(arena.memory, src, dst, w, h, 5, shifts, flat, Math.floor((h * b) / bands) * w, Math.floor((h * (b + 1)) / bands) * w, block);
        for (let i = 0; i < w * h; i++) expect(Math.abs(dst[i]! - expected[i]!)).toBeLessThan(1e-4);
      }
    }
    expect(Math.max(...plainShrink(src, w, h, 5, 4, 12).map((v, i) => Math.abs(v - plainShrink(src, w, h, 5, 4)[i]!)))).toBeGreaterThan(0.5);
  });
});

/** The orthonormal 8x8 DCT-II of a block, straight from its definition (vertical frequency first). */
function matrixDct(block: Float64Array): Float64Array {
  const basis = (k: number, n: number) => (k === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * n + 1) * k * Math.PI) / 16);
  const out = new Float64Array(64);
  for (let u = 0; u < 8; u++) for (let v = 0; v < 8; v++) {
    let s = 0;
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) s += basis(u, y) * basis(v, x) * block[y * 8 + x]!;
    out[u * 8 + v] = s;
  }
  return out;
}

/** dctShrink written plainly: matrix DCTs of edge-replicated blocks at each shift, averaged per pixel. */
/** `flat`: the threshold of blocks with at most 5 AC coefficients above `threshold` (0: none). */
function plainShrink(src: Float32Array, w: number, h: number, threshold: number, shifts: number, flat = 0): Float64Array {
  const grids = [[1, 1], [5, 5], [3, 7], [7, 3], [1, 5], [5, 1], [3, 3], [7, 7]].slice(0, shifts);
  const basis = (k: number, n: number) => (k === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * n + 1) * k * Math.PI) / 16);
  const sum = new Float64Array(w * h);
  const count = new Float64Array(w * h);
  for (const [sx, sy] of grids) {
    for (let oy = sy! - 8; oy < h; oy += 8) for (let ox = sx! - 8; ox < w; ox += 8) {
      const block = new Float64Array(64);
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) {
        block[y * 8 + x] = src[Math.min(h - 1, Math.max(0, oy + y)) * w + Math.min(w - 1, Math.max(0, ox + x))]!;
      }
      const dct = matrixDct(block);
      const survivors = dct.filter((v, k) => k > 0 && Math.abs(v) >= threshold).length;
      const t = survivors <= 5 ? Math.max(threshold, flat) : threshold;
      const t2 = t * t;
      const c = dct.map((v, k) => (k === 0 ? v : v * v < t2 ? 0 : v * v < 4 * t2 ? (v * (v * v - t2)) / (3 * t2) : v));
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) {
        if (oy + y < 0 || oy + y >= h || ox + x < 0 || ox + x >= w) continue;
        let v = 0;
        for (let u = 0; u < 64; u++) v += c[u]! * basis(u >> 3, y) * basis(u & 7, x);
        sum[(oy + y) * w + ox + x] += v;
        count[(oy + y) * w + ox + x]++;
      }
    }
  }
  return sum.map((v, i) => v / count[i]!);
}

