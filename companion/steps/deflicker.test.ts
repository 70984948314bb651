// The deflicker step on small synthetic frames, its kernels run in-process.
import { describe, expect, it } from 'vitest';
import { createDeflicker, geometry, logThumbnail, matchCells, patternCorrelation } from './deflicker.js';
import type { Frame, StepInstance } from './step.js';
import { inlinePool, random } from '../../test/support/kernels.js';

const W = 256;
const H = 144;

/** A textured scene (two kinds), shifted by dx, scaled in brightness by gain (per column half for `right`). */
function scene(kind: number, dx: number, gain: number, right = gain): Frame {
  const data = new Uint16Array(new SharedArrayBuffer(W * H * 6));
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const u = x - dx;
      const v = kind === 0 ? 0.45 + 0.2 * Math.sin(u / 7) * Math.cos(y / 11) + 0.1 * Math.sin(u / 23) : 0.4 + 0.25 * Math.sign(Math.sin(u / 13 + y / 17)) * Math.sin(y / 5);
      const g = x < W / 2 ? gain : right;
      for (let c = 0; c < 3; c++) data[(y * W + x) * 3 + c] = Math.round(Math.min(1, Math.max(0, v * g)) * 65535);
    }
  }
  return { width: W, height: H, data };
}

function mean(f: Frame, left = 0, right = W): number {
  let s = 0;
  let n = 0;
  for (let y = 0; y < H; y++) for (let x = left; x < right; x++, n++) s += f.data[(y * W + x) * 3 + 1]!;
  return s / n / 65535;
}

async function runAll(step: StepInstance, inputs: Frame[]): Promise<Frame[]> {
  const out: Frame[] = [];
  for (const f of inputs) out.push(...(await step.push(f)));
  out.push(...(await step.flush()));
  return out;
}

/** RMS of the frame-to-frame change of a series. */
function jitter(values: number[]): number {
  let s = 0;
  for (let i = 1; i < values.length; i++) s += (values[i]! - values[i - 1]!) ** 2;
  return Math.sqrt(s / (values.length - 1));
}

describe('deflicker', () => {
  it('steadies a flickering moving scene, globally and region by region', async () => {
    const rand = random(5);
    const gains = Array.from({ length: 24 }, () => [1 + 0.12 * (rand() - 0.5), 1 + 0.2 * (rand() - 0.5)] as const);
    const inputs = gains.map(([a, b], t) => scene(0, t, a, b));
    const before = { left: inputs.map((f) => mean(f, 0, W / 2)), right: inputs.map((f) => mean(f, W / 2, W)) };
    const out = await runAll(createDeflicker({ radius: 8, local: true }, W, H, inlinePool()), inputs);
    expect(out).toHaveLength(inputs.length);
    expect(jitter(out.map((f) => mean(f, 0, W / 2)))).toBeLessThan(0.4 * jitter(before.left));
    expect(jitter(out.map((f) => mean(f, W / 2, W)))).toBeLessThan(0.4 * jitter(before.right));
  });

  it('keeps the brightness of a cut', async () => {
    const inputs = [...Array.from({ length: 12 }, (_, t) => scene(0, t, 1)), ...Array.from({ length: 12 }, (_, t) => scene(1, t, 0.45))];
    const step = createDeflicker({ radius: 8, local: true }, W, H, inlinePool());
    const out = await runAll(step, inputs);
    expect(step.cuts()).toEqual([12]);
    out.forEach((f, t) => expect(Math.abs(mean(f) - mean(inputs[t]!)) / mean(inputs[t]!)).toBeLessThan(0.01));
  });

  it('lets a fade through without lag', async () => {
    const inputs = Array.from({ length: 24 }, (_, t) => scene(0, t, 1 - (0.6 * t) / 23));
    const out = await runAll(createDeflicker({ radius: 8, local: true }, W, H, inlinePool()), inputs);
    out.forEach((f, t) => expect(Math.abs(mean(f) - mean(inputs[t]!)) / mean(inputs[t]!)).toBeLessThan(0.02));
  });

  it('leaves a steady clip alone and returns one frame for one frame', async () => {
    const inputs = Array.from({ length: 10 }, (_, t) => scene(0, t, 1));
    const copies = inputs.map((f) => f.data.slice());
    const out = await runAll(createDeflicker({ radius: 8, local: true }, W, H, inlinePool()), inputs);
    expect(out).toHaveLength(10);
    out.forEach((f, t) => {
      let worst = 0;
      let sum = 0;
      let n = 0;
      for (let i = 0; i < f.data.length; i += 97, n++) {
        const d = Math.abs(f.data[i]! - copies[t]![i]!);
        worst = Math.max(worst, d);
        sum += d;
      }
      expect(worst).toBeLessThan(0.02 * 65535);
      expect(sum / n).toBeLessThan(0.003 * 65535);
    });
  });

  it('matches cells whatever the gain: a brighter copy costs nothing and gives its log gain', () => {
    const g = geometry(256, 144);
    const thumb = Float32Array.from({ length: g.tw * g.th }, (_, i) => 90 + 60 * Math.sin(i / 3) * Math.cos(i / 41));
    const brighter = thumb.map((v) => (v + 1) * 1.3 - 1);
    const m = matchCells(logThumbnail(thumb), logThumbnail(brighter), g, 2, null);
    for (let c = 0; c < g.gw * g.gh; c++) {
      expect(m.cost[c]).toBeLessThan(1e-3);
      expect(m.d[c]).toBeCloseTo(-Math.log(1.3), 5);
      expect([m.v[2 * c], m.v[2 * c + 1]]).toEqual([0, 0]);
    }
  });

  it('tells a cut from a flicker: cell patterns correlate whatever the gain', () => {
    const a = Float32Array.from({ length: 64 }, (_, i) => Math.log(50 + 40 * Math.sin(i)));
    const brighter = a.map((v) => v + Math.log(1.3));
    const other = Float32Array.from({ length: 64 }, (_, i) => Math.log(50 + 40 * Math.cos(3 * i)));
    expect(patternCorrelation(a, brighter)).toBeGreaterThan(0.99);
    expect(patternCorrelation(a, other)).toBeLessThan(0.5);
  });
});
