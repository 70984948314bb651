// The SIMD kernels against plain per-pixel references, on sizes that are not multiples of
// the four lanes, so the edge columns and the remainder take their scalar paths too.
import { describe, expect, it } from 'vitest';
import { random } from '../../test/support/kernels.js';
import {
  blend, buildPyramid, deblockColumns, deblockRows, estimateMotion, gridSteps, guideChroma, guideChromaScratch, type Planes, warp, yccToRgb,
} from '../steps/clean-kernels.js';
import { SimdArena } from './arena.js';
import { simd } from './kernels.js';

function filled(arena: SimdArena, n: number, rand: () => number, scale: number): Float32Array {
  const a = arena.floats(n);
  for (let i = 0; i < n; i++) a[i] = rand() * scale;
  return a;
}

const planes = (arena: SimdArena, n: number, rand: () => number): Planes => ({
  y: filled(arena, n, rand, 255),
  cb: filled(arena, n, rand, 100),
  cr: filled(arena, n, rand, 100),
});

describe('SIMD kernels', () => {
  it('reuse an arena given back, from its start, rather than make another', () => {
    const arena = SimdArena.take();
    const first = arena.floats(1000);
    arena.giveBack();
    const again = SimdArena.take();
    expect(again).toBe(arena);
    expect(again.floats(1000).byteOffset).toBe(first.byteOffset);
    expect(SimdArena.take()).not.toBe(arena);
    again.giveBack();
  });

  it('are instantiated once per arena and thread, known by the id in its first word', () => {
    const [a, b] = [new SimdArena(), new SimdArena()];
    // As a worker receives it: another object on the same memory.
    const copy = structuredClone(a.memory);
    expect(copy).not.toBe(a.memory);
    expect(simd(copy)).toBe(simd(a.memory));
    expect(simd(b.memory)).not.toBe(simd(a.memory));
    // A memory no arena numbered gets an instance of its own each time.
    const plain = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    expect(simd(plain)).not.toBe(simd(plain));
  });

  it('keep their planes in an arena past 2 GiB of offsets, and refuse past 4 GiB with a clear error', () => {
    const arena = new SimdArena();
    const big = arena.floats(2 ** 29 + 5);
    const after = arena.floats(8);
    expect(after.byteOffset).toBeGreaterThan(2 ** 31);
    expect(after.byteOffset % 16).toBe(0);
    expect(big.byteOffset % 16).toBe(0);
    expect(() => arena.floats(2 ** 29)).toThrow(/too large for the clean step.*4 GiB/);
  });

  it('blend weights each match by base × exp(−3x3 mean difference / h²), clamped at the edges, none past e^-6, for an odd or even count', () => {
    const W = 13;
    const H = 6;
    const N = W * H;
    const rand = random(3);
    const arena = new SimdArena();
    const cur = planes(arena, N, rand);
    const preds = [0, 1, 2].map(() => planes(arena, N, rand));
    // Differences from small to far past the cut-off, so some matches drop out.
    const diffs = [40, 120, 400].map((s) => filled(arena, N, rand, s));
    const table = arena.uint32s(12);
    preds.forEach((q, k) => table.set([q.y.byteOffset, q.cb.byteOffset, q.cr.byteOffset, diffs[k]!.byteOffset], 4 * k));
    const base = arena.floats(3);
    base.set([1, 0.8, 0.5]);
    const h2 = 20;
    const out = planes(arena, N, rand);
    const sums = arena.floats(N);
    let worst = 0;
    let dropped = 0;
    for (const n of [1, 2, 3]) {
      // Two bands, as the worker pool runs it.
      blend(arena.memory, cur, table, base, n, h2, W, H, out, sums, 0, 3 * W);
      blend(arena.memory, cur, table, base, n, h2, W, H, out, sums, 3 * W, N);
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const p = y * W + x;
          const sum = { y: cur.y[p]!, cb: cur.cb[p]!, cr: cur.cr[p]!, w: 1 };
          preds.slice(0, n).forEach((q, k) => {
            let e = 0;
            for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
              const yy = Math.min(H - 1, Math.max(0, y + dy));
              const xx = Math.min(W - 1, Math.max(0, x + dx));
              e += diffs[k]![yy * W + xx]!;
            }
            e /= 9 * h2;
            if (e > 6) return void dropped++;
            const w = base[k]! * Math.exp(-e);
            sum.y += w * q.y[p]!;
            sum.cb += w * q.cb[p]!;
            sum.cr += w * q.cr[p]!;
            sum.w += w;
          });
          for (const c of ['y', 'cb', 'cr'] as const) worst = Math.max(worst, Math.abs(out[c][p]! - sum[c] / sum.w));
        }
      }
    }
    expect(dropped).toBeGreaterThan(0);
    // The weights are good to 1e-4 (exp.ts): samples up to 255 apart average to within 0.01.
    expect(worst).toBeLessThan(0.01);
  });

  it('warp moves each 8x8 block by its vector: whole pixels copied, fractions bicubic (luma) and bilinear (chroma), clamped at the edges', () => {
    const W = 37;
    const H = 21;
    const N = W * H;
    const rand = random(5);
    const arena = new SimdArena();
    const cur = planes(arena, N, rand);
    const ref = planes(arena, N, rand);
    const bw = Math.ceil(W / 8);
    const vectors = arena.floats(bw * Math.ceil(H / 8) * 2);
    // Whole-pixel and fractional vectors, some pointing off the picture.
    for (let i = 0; i < vectors.length; i++) vectors[i] = i % 3 === 0 ? Math.round((rand() - 0.5) * 10) : (rand() - 0.5) * 12;
    const pred = planes(arena, N, rand);
    const diff = arena.floats(N);
    const places = arena.floats(8 * bw);
    warp(arena.memory, cur, ref, vectors, W, H, pred, diff, 0, 10 * W, places);
    warp(arena.memory, cur, ref, vectors, W, H, pred, diff, 10 * W, N, places);
    const catmullRom = (f: number) => [-0.5 * f ** 3 + f * f - 0.5 * f, 1.5 * f ** 3 - 2.5 * f * f + 1, -1.5 * f ** 3 + 2 * f * f + 0.5 * f, 0.5 * f ** 3 - 0.5 * f * f];
    let worst = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const b = (y >> 3) * bw + (x >> 3);
        const fx = Math.min(W - 1.001, Math.max(0, x + vectors[2 * b]!));
        const fy = Math.min(H - 1.001, Math.max(0, y + vectors[2 * b + 1]!));
        const ix = Math.floor(fx);
        const iy = Math.floor(fy);
        const ax = fx - ix;
        const ay = fy - iy;
        const bilinear = (a: Float32Array) => (1 - ay) * ((1 - ax) * a[iy * W + ix]! + ax * a[iy * W + ix + 1]!) + ay * ((1 - ax) * a[(iy + 1) * W + ix]! + ax * a[(iy + 1) * W + ix + 1]!);
        let py = bilinear(ref.y);
        if (ix >= 1 && iy >= 1 && ix + 2 < W && iy + 2 < H) {
          const wx = catmullRom(ax);
          const wy = catmullRom(ay);
          py = 0;
          for (let j = 0; j < 4; j++) for (let i = 0; i < 4; i++) py += wy[j]! * wx[i]! * ref.y[(iy - 1 + j) * W + ix - 1 + i]!;
        }
        const p = y * W + x;
        const want = [py, bilinear(ref.cb), bilinear(ref.cr)];
        const d2 = (cur.y[p]! - want[0]!) ** 2 + 2 * ((cur.cb[p]! - want[1]!) ** 2 + (cur.cr[p]! - want[2]!) ** 2);
        worst = Math.max(worst, Math.abs(pred.y[p]! - want[0]!), Math.abs(pred.cb[p]! - want[1]!), Math.abs(pred.cr[p]! - want[2]!), Math.abs(diff[p]! - d2) / (1 + d2));
      }
    }
    expect(worst).toBeLessThan(1e-3);
  });

  it('buildPyramid fills the u16 full level, and the half and quarter levels with 2x2 and 4x4 box means, each coarse row from the band of its first row', () => {
    const W = 37;
    const H = 23;
    const N = W * H;
    const arena = new SimdArena();
    const p = { y: filled(arena, N, random(21), 255), yu: arena.uint16s(N), y1: arena.uint16s((W >> 1) * (H >> 1)), y2: arena.uint16s((W >> 2) * (H >> 2)) };
    p.yu.fill(9999);
    p.y1.fill(9999);
    p.y2.fill(9999);
    buildPyramid(arena.memory, p, W, H, 0, 9 * W);
    buildPyramid(arena.memory, p, W, H, 9 * W, N);
    const box = (x: number, y: number, n: number) => {
      let s = 0;
      for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) s += p.y[(y + j) * W + x + i]!;
      return s / (n * n);
    };
    let worst = 0;
    // The u16 levels hold 16 × their samples or means, rounded.
    for (const [level, n, scale] of [[p.yu, 1, 16], [p.y1, 2, 16], [p.y2, 4, 16]] as const) {
      const w = Math.floor(W / n);
      for (let y = 0; y < Math.floor(H / n); y++) for (let x = 0; x < w; x++) worst = Math.max(worst, Math.abs(level[y * w + x]! / scale - box(n * x, n * y, n)) * scale);
    }
    expect(worst).toBeLessThan(0.5 + 1e-3);
  });

  it('estimateMotion finds a sub-pixel shift per block, and keeps a still picture still', () => {
    const W = 120;
    const H = 80;
    const N = W * H;
    const rand = random(9);
    const arena = new SimdArena();
    // Waves in six directions, so no 8x8 block is a 1D pattern that slides along itself, and
    // none finer than the quarter level can hold.
    const waves = Array.from({ length: 6 }, (_, k) => ({ a: (k * Math.PI) / 6 + 0.3, f: 0.15 + 0.05 * k, p: k }));
    const texture = (x: number, y: number) => 128 + waves.reduce((s, w) => s + 20 * Math.sin(w.f * (x * Math.cos(w.a) + y * Math.sin(w.a)) + w.p), 0);
    const picture = (dx: number, dy: number) => {
      const p = { y: arena.floats(N), yu: arena.uint16s(N), y1: arena.uint16s((W >> 1) * (H >> 1)), y2: arena.uint16s((W >> 2) * (H >> 2)) };
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) p.y[y * W + x] = texture(x + dx, y + dy) + (rand() - 0.5) * 2;
      buildPyramid(arena.memory, p, W, H, 0, N);
      return p;
    };
    const cur = picture(0, 0);
    const bw = W / 8;
    const bh = H / 8;
    const field = arena.floats(bw * bh * 2);
    // Median distance of the inner blocks' vectors from (vx, vy): the parabola fit on a
    // noisy block is good to a fraction of a pixel, not exact.
    const miss = (vx: number, vy: number) => {
      const d: number[] = [];
      for (let by = 1; by < bh - 1; by++) for (let bx = 1; bx < bw - 1; bx++) d.push(Math.hypot(field[2 * (by * bw + bx)]! - vx, field[2 * (by * bw + bx) + 1]! - vy));
      return d.sort((p, q) => p - q)[d.length >> 1]!;
    };
    // Two bands, split on a macroblock row.
    const run = (ref: typeof cur, pred: Float32Array | null, search = 3, scale = 1) => {
      estimateMotion(arena.memory, cur, ref, W, H, pred, scale, field, search, 0, 32 * W);
      estimateMotion(arena.memory, cur, ref, W, H, pred, scale, field, search, 32 * W, N);
    };
    // The content at x in the current frame is at x + 2.25 in the neighbour: its vector is -2.25.
    run(picture(2.25, -1.5), null);
    expect(miss(-2.25, 1.5)).toBeLessThan(0.5);
    expect(miss(0, 0)).toBeGreaterThan(2);
    // A shift past the search window is found around the predicted vector, and only so.
    const pred = arena.floats(bw * bh * 2);
    for (let b = 0; b < bw * bh; b++) pred.set([-20, -8], 2 * b);
    const far = picture(20.5, 8);
    run(far, pred);
    expect(miss(-20.5, -8)).toBeLessThan(0.5);
    run(far, null);
    expect(miss(-20.5, -8)).toBeGreaterThan(5);
    // Search 0 refines each block's own predicted vector (here scaled by 2) by ±1 and a
    // sub-pixel fit, no further.
    for (let b = 0; b < bw * bh; b++) pred.set([-9.8 - (b % 3) * 0.15, -4.2], 2 * b);
    run(far, pred, 0, 2);
    expect(miss(-20.5, -8)).toBeLessThan(0.5);
    for (let b = 0; b < bw * bh; b++) pred.set([-17, -8], 2 * b);
    run(far, pred, 0);
    expect(miss(-20.5, -8)).toBeGreaterThan(1.5);
    run(picture(0, 0), null);
    expect(miss(0, 0)).toBe(0);
  });

  it('guideChroma averages chroma over its 5x5 grid of every other sample, weighted by likeness, and writes rgb48', () => {
    const W = 23;
    const H = 13;
    const N = W * H;
    const rand = random(11);
    const arena = new SimdArena();
    const src = { y: filled(arena, N, rand, 255), cb: filled(arena, N, rand, 40), cr: filled(arena, N, rand, 40) };
    for (let i = 0; i < N; i++) {
      src.cb[i] = src.cb[i]! - 20;
      src.cr[i] = src.cr[i]! - 20;
    }
    const staging = arena.uint16s(3 * N);
    const [sigma, sigmaC] = [30, 25];
    const rgb = new Uint16Array(new SharedArrayBuffer(6 * N));
    // Weights are shared by the two samples they join; a weight read before it was worked out
    // would carry this NaN into the picture.
    const weights = arena.floats(guideChromaScratch(W)).fill(NaN);
    guideChroma(arena.memory, src, sigma, sigmaC, W, H, staging, rgb, 0, 5 * W, weights);
    guideChroma(arena.memory, src, sigma, sigmaC, W, H, staging, rgb, 5 * W, N, weights.fill(NaN));
    const want = { y: new Float32Array(N), cb: new Float32Array(N), cr: new Float32Array(N) };
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const p = y * W + x;
        let [scb, scr, sw] = [2 * src.cb[p]!, 2 * src.cr[p]!, 2];
        for (let dy = -2; dy <= 2; dy += 2) for (let dx = -2; dx <= 2; dx += 2) {
          if ((!dx && !dy) || x + dx < 0 || x + dx >= W || y + dy < 0 || y + dy >= H) continue;
          const q = p + dy * W + dx;
          const w = Math.exp(-((src.y[q]! - src.y[p]!) ** 2 / (2 * sigma * sigma) + ((src.cb[q]! - src.cb[p]!) ** 2 + (src.cr[q]! - src.cr[p]!) ** 2) / (2 * sigmaC * sigmaC)));
          scb += w * src.cb[q]!;
          scr += w * src.cr[q]!;
          sw += w;
        }
        want.y[p] = src.y[p]!;
        want.cb[p] = scb / sw;
        want.cr[p] = scr / sw;
      }
    }
    const expected = new Uint16Array(3 * N);
    yccToRgb(want.y, want.cb, want.cr, expected, 0, N);
    let worst = 0;
    let moved = 0;
    for (let i = 0; i < 3 * N; i++) worst = Math.max(worst, Math.abs(rgb[i]! - expected[i]!));
    // Off, it is the plain conversion.
    guideChroma(arena.memory, src, 0, 0, W, H, staging, rgb, 0, N, weights);
    yccToRgb(src.y, src.cb, src.cr, expected, 0, N);
    for (let i = 0; i < 3 * N; i++) moved = Math.max(moved, Math.abs(rgb[i]! - expected[i]!));
    expect(worst).toBeLessThanOrEqual(2);
    expect(moved).toBeLessThanOrEqual(1);
  });

  it('gridSteps counts, per phase of 8, the steps that peak above both neighbours below 12, and their excess', () => {
    const W = 29;
    const H = 19;
    const N = W * H;
    const rand = random(13);
    const arena = new SimdArena();
    const plane = filled(arena, N, rand, 16);
    for (const horizontal of [true, false]) {
      const want = new Array<number>(24).fill(0);
      const at = (x: number, y: number) => plane[y * W + x]!;
      for (let y = horizontal ? 0 : 2; y < (horizontal ? H : H - 1); y++) {
        for (let x = horizontal ? 2 : 0; x < (horizontal ? W - 1 : W); x++) {
          const [dx, dy] = horizontal ? [1, 0] : [0, 1];
          const here = Math.abs(at(x, y) - at(x - dx, y - dy));
          const prev = Math.abs(at(x - dx, y - dy) - at(x - 2 * dx, y - 2 * dy));
          const next = Math.abs(at(x + dx, y + dy) - at(x, y));
          const p = (horizontal ? x : y) & 7;
          want[16 + p]++;
          if (here > prev && here > next && here < 12) {
            want[p]++;
            want[8 + p] += here - 0.5 * (prev + next);
          }
        }
      }
      const out = [arena.float64s(24), arena.float64s(24)];
      const a = gridSteps(arena.memory, plane, W, H, horizontal, out[0]!, 0, 7 * W);
      const b = gridSteps(arena.memory, plane, W, H, horizontal, out[1]!, 7 * W, N);
      a.forEach((v, i) => expect(v + b[i]!).toBeCloseTo(want[i]!, 3));
      expect(want.slice(0, 8).every((v) => v > 0)).toBe(true);
    }
  });

  it('deblocking ramps out the small steps of a block grid where both sides are smooth, edge by edge as a plain filter does', () => {
    const W = 45;
    const H = 37;
    const N = W * H;
    const rand = random(17);
    const d = { phaseX: 3, phaseY: 5, t8: 6, t4: 4, tc: 4.5 };
    // A gradient with an offset per 4x4 block of the grid (some too large to be quantisation) and faint noise.
    const offsets = Array.from({ length: 200 }, () => (rand() - 0.5) * 14);
    const arena = new SimdArena();
    const p = planes(arena, N, rand);
    for (const [c, plane] of [p.y, p.cb, p.cr].entries()) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const block = (((y - d.phaseY + 8) >> 2) * 13 + ((x - d.phaseX + 8) >> 2) + 7 * c) % offsets.length;
          plane[y * W + x] = 100 + 0.3 * x + 0.2 * y + offsets[block]! + (rand() - 0.5) * 0.4;
        }
      }
    }
    const want = { y: p.y.slice(), cb: p.cb.slice(), cr: p.cr.slice() };
    const input = p.y.slice();
    // Two bands a pass, as the worker pool runs it.
    const split = 17 * W;
    deblockRows(arena.memory, p, W, d, 0, split);
    deblockRows(arena.memory, p, W, d, split, N);
    for (const four of [false, true]) {
      deblockColumns(arena.memory, p, W, H, d, four, 0, split);
      deblockColumns(arena.memory, p, W, H, d, four, split, N);
    }
    for (let y = 0; y < H; y++) {
      for (let x = ((d.phaseX - 4) & 7) + 4; x + 4 <= W; x += 8) {
        smoothEdge(want.y, y * W + x, 1, 4, d.t8);
        smoothEdge(want.cb, y * W + x, 1, 4, d.tc);
        smoothEdge(want.cr, y * W + x, 1, 4, d.tc);
      }
      for (let x = (d.phaseX & 7) + 4; x + 3 <= W; x += 8) smoothEdge(want.y, y * W + x, 1, 2, d.t4);
    }
    for (let e = ((d.phaseY - 4) & 7) + 4; e + 4 <= H; e += 8) {
      for (let x = 0; x < W; x++) {
        smoothEdge(want.y, e * W + x, W, 4, d.t8);
        smoothEdge(want.cb, e * W + x, W, 4, d.tc);
        smoothEdge(want.cr, e * W + x, W, 4, d.tc);
      }
    }
    for (let e = (d.phaseY & 7) + 4; e + 2 < H; e += 8) for (let x = 0; x < W; x++) smoothEdge(want.y, e * W + x, W, 2, d.t4);
    let worst = 0;
    for (const c of ['y', 'cb', 'cr'] as const) for (let i = 0; i < N; i++) worst = Math.max(worst, Math.abs(p[c][i]! - want[c][i]!));
    expect(worst).toBeLessThan(1e-3);
    expect(p.y.filter((v, i) => Math.abs(v - input[i]!) > 0.01).length).toBeGreaterThan(N / 4);
  });
});

/**
 * The plain deblocking filter at one edge, between a[at - s] and a[at]: a step that is
 * small against t, with sides no rougher than 1.5 t, is taken out as a ramp over `reach`
 * samples each side, scaled down as the step nears t and as the sides roughen.
 */
function smoothEdge(a: Float32Array, at: number, s: number, reach: number, t: number): void {
  const [p2, p1, p0, q0, q1, q2] = [-3, -2, -1, 0, 1, 2].map((j) => a[at + j * s]!) as [number, number, number, number, number, number];
  const step = q0 - p0 - 0.5 * (p0 - p1 + (q1 - q0));
  const mag = Math.abs(step);
  const rough = Math.abs(p0 - p1) + Math.abs(q1 - q0) + Math.abs(p2 - p1) + Math.abs(q2 - q1);
  if (mag < 0.25 || mag >= t || rough > 1.5 * t) return;
  const k = step * (1 - mag / t) * (1 - rough / (1.5 * t));
  for (let j = 0; j < 2 * reach; j++) a[at + (j - reach) * s] += k * ((j + 0.5) / (2 * reach) - (j >= reach ? 1 : 0));
}
