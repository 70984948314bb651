import { describe, expect, it } from 'vitest';
import { gradient } from '../../test/support/planar.js';
import { convNet } from '../../test/support/onnx-fixtures.js';
import { createSession, sessionRunner } from './runtime.js';
import { reflect, runTiled, tileSizeForBudget, tileStarts, type Planar, type TileRunner } from './tiling.js';

function noise(width: number, height: number, seed = 7): Planar {
  let s = seed;
  const data = new Float32Array(3 * width * height);
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = s / 2 ** 32;
  }
  return { data, channels: 3, height, width };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Counts the tiles and batch sizes a runner sees. */
function counting(run: TileRunner) {
  const calls: number[] = [];
  const wrapped: TileRunner = (data, n, c, h, w) => {
    calls.push(n);
    return run(data, n, c, h, w);
  };
  return { calls, run: wrapped };
}

describe('tiled inference', () => {
  it('mirrors indices at both edges without repeating the edge pixel', () => {
    expect([-3, -2, -1, 0, 4, 5, 6, 7].map((i) => reflect(i, 5))).toEqual([3, 2, 1, 0, 4, 3, 2, 1]);
    expect(reflect(-20, 3)).toBeGreaterThanOrEqual(0);
    expect(reflect(7, 1)).toBe(0);
  });

  it('covers a row with evenly spread tiles that overlap by at least the overlap', () => {
    const starts = tileStarts(100, 32, 8);
    expect(starts[0]).toBe(0);
    expect(starts.at(-1)! + 32).toBe(100);
    for (let i = 1; i < starts.length; i++) expect(starts[i - 1]! + 32 - starts[i]!).toBeGreaterThanOrEqual(8);
    expect(tileStarts(20, 32, 8)).toEqual([0]);
  });

  it('sizes tiles to the memory budget', () => {
    const small = tileSizeForBudget(16 * 1024 ** 2, 2048, 8);
    const big = tileSizeForBudget(1024 ** 3, 2048, 8);
    expect(small).toBeLessThan(big);
    expect(small % 8).toBe(0);
    expect((small + 16) ** 2 * 2048).toBeLessThanOrEqual(16 * 1024 ** 2);
    expect(tileSizeForBudget(1, 2048, 8)).toBe(32);
  });

  for (const [name, make] of [
    ['a smooth gradient', gradient],
    ['a noisy image', noise],
  ] as const) {
    it(`agrees with an untiled run within 1/255 on ${name}, x2, at exactly twice the size`, async () => {
      const model = await createSession(convNet(2), { provider: 'cpu' });
      const image = make(75, 53);
      const whole = await runTiled(image, sessionRunner(model), { scale: 2, tile: 4096 });
      const tiled = counting(sessionRunner(model));
      const result = await runTiled(image, tiled.run, { scale: 2, tile: 24, overlap: 8, context: 4, batch: 3 });
      expect(tiled.calls.length).toBeGreaterThan(3);
      expect(Math.max(...tiled.calls)).toBe(3);
      expect([result.width, result.height, result.channels]).toEqual([150, 106, 3]);
      expect([whole.width, whole.height]).toEqual([150, 106]);
      expect(maxDiff(result.data, whole.data)).toBeLessThan(1 / 255);
    });
  }

  it('agrees with an untiled run at x4 and x1, with tile sizes from a small memory budget', async () => {
    for (const scale of [4, 1] as const) {
      const model = await createSession(convNet(scale), { provider: 'cpu' });
      const image = noise(61, 40, scale);
      const whole = await runTiled(image, sessionRunner(model), { scale, tile: 4096 });
      const tiled = counting(sessionRunner(model));
      const result = await runTiled(image, tiled.run, { scale, memoryBudgetBytes: 2 * 1024 ** 2, bytesPerPixel: 2048, overlap: 6, context: 3, multipleOf: 4 });
      expect(tiled.calls.length).toBeGreaterThan(1);
      expect([result.width, result.height]).toEqual([61 * scale, 40 * scale]);
      expect(maxDiff(result.data, whole.data)).toBeLessThan(1 / 255);
    }
  });

  it('blends overlapping tiles with linear ramps, so a per-tile offset leaves no step', async () => {
    // A "network" that upscales by pixel repeat and adds a different bias to every tile:
    // hard seams would jump by the bias difference; feathering spreads it over the overlap.
    let call = 0;
    const biased: TileRunner = async (data, n, c, h, w) => {
      const out = new Float32Array(n * c * h * 2 * w * 2);
      for (let p = 0; p < n * c; p++) {
        const bias = (call++ % 2) * 0.2;
        for (let y = 0; y < 2 * h; y++) for (let x = 0; x < 2 * w; x++) out[p * 4 * h * w + y * 2 * w + x] = data[p * h * w + (y >> 1) * w + (x >> 1)]! + bias;
      }
      return { data: out, n, channels: c, height: 2 * h, width: 2 * w };
    };
    const flat: Planar = { data: new Float32Array(3 * 8 * 64).fill(0.5), channels: 3, height: 8, width: 64 };
    const out = await runTiled(flat, biased, { scale: 2, tile: 24, overlap: 12, context: 2 });
    let maxStep = 0;
    for (let x = 1; x < out.width; x++) maxStep = Math.max(maxStep, Math.abs(out.data[x]! - out.data[x - 1]!));
    expect(maxStep).toBeLessThan(0.2 / 12);
  });

  it('refuses a model whose output is not the declared scale', async () => {
    const model = await createSession(convNet(2), { provider: 'cpu' });
    await expect(runTiled(gradient(20, 20), sessionRunner(model), { scale: 4 })).rejects.toThrow(/expected scale 4/);
  });
});
