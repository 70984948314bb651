// Alignment, paste-back, mask and colour maths, checked exactly with tiny networks that have
// GFPGAN's signature and a detector that reports known landmarks.
import { describe, expect, it } from 'vitest';
import { faceNet } from '../../test/support/onnx-fixtures.js';
import { templateMarks } from '../../test/support/faces.js';
import { random } from '../../test/support/kernels.js';
import { createSession } from '../models/runtime.js';
import type { Planar } from '../models/tiling.js';
import type { Frame } from '../steps/step.js';
import { alignment, apply, FFHQ_TEMPLATE_512, type FivePoints } from './align.js';
import type { FaceDetector } from './detect.js';
import { maskAt } from './mask.js';
import { blendWeight, FaceRestoration, type RestoreOptions } from './restore.js';
import { faceModelRestorer, type Restorer } from './restorer.js';

const W = 320;
const H = 240;
const MAX = 65535;

/** A smooth picture with fine texture, every value within [0.15, 0.8] so offsets never clip. */
function picture(seed = 1, phase = 0): Frame {
  const rand = random(seed);
  const data = new Uint16Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      for (let c = 0; c < 3; c++) {
        const v = 0.45 + 0.2 * Math.sin(x / (17 + c * 5) + y / 23 + phase) + 0.1 * (rand() - 0.5);
        data[(y * W + x) * 3 + c] = Math.round(v * MAX);
      }
    }
  }
  return { width: W, height: H, data };
}

/** A face 0.3x the template's size, turned by 0.25 rad, its template centre at (160, 125). */
const ANGLE = 0.25;
const SCALE = 0.3;
const toFrame = {
  a: Math.cos(ANGLE) * SCALE,
  b: -Math.sin(ANGLE) * SCALE,
  d: Math.sin(ANGLE) * SCALE,
  e: Math.cos(ANGLE) * SCALE,
  c: 0,
  f: 0,
};
toFrame.c = 160 - (toFrame.a * 256 + toFrame.b * 290);
toFrame.f = 125 - (toFrame.d * 256 + toFrame.e * 290);
const LANDMARKS = FFHQ_TEMPLATE_512.map((p) => apply(toFrame, p)) as FivePoints;

const detector: FaceDetector = {
  name: 'fixed landmarks',
  detect: async () => [{ box: { x: 100, y: 60, width: 120, height: 140 }, score: 1, landmarks: LANDMARKS }],
};

async function restorerFor(model: Parameters<typeof faceNet>[0]): Promise<Restorer> {
  return faceModelRestorer(await createSession(faceNet(model), { provider: 'cpu' }), 'fixture');
}

async function run(restorer: Restorer, options: RestoreOptions, frames: Frame[]): Promise<Frame[]> {
  const restoration = new FaceRestoration(detector, restorer, options);
  const out: Frame[] = [];
  for (const f of frames) {
    const copy = { ...f, data: f.data.slice() };
    await restoration.process(copy);
    out.push(copy);
  }
  return out;
}

function change(before: Frame, after: Frame, x: number, y: number, c = 0): number {
  const i = (y * W + x) * 3 + c;
  return after.data[i]! - before.data[i]!;
}

describe('face restoration maths', () => {
  it('gives the frame back unchanged, inside and outside the face, when the network changes nothing', async () => {
    const input = picture();
    const [out] = await run(await restorerFor({}), { strength: 1 }, [input]);
    let worst = 0;
    for (let i = 0; i < input.data.length; i++) worst = Math.max(worst, Math.abs(out!.data[i]! - input.data[i]!));
    expect(worst).toBeLessThanOrEqual(MAX / 255);
  });

  it('confines a change to the face mask, warped onto the face, with feathered edges', async () => {
    const input = picture();
    // +0.2 in [-1, 1] is +0.1 in [0, 1].
    const [out] = await run(await restorerFor({ offset: 0.2 }), { strength: 1, colourMatch: false, temporal: false }, [input]);
    const toCrop = alignment(LANDMARKS);
    let untouched = 0;
    let feathered = 0;
    let full = 0;
    let worst = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const p = apply(toCrop, { x, y });
        const inside = p.x >= 0 && p.y >= 0 && p.x <= 511 && p.y <= 511;
        const m = inside ? maskAt(p.x, p.y) : 0;
        for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(change(input, out!, x, y, c) - 0.1 * MAX * m));
        if (!inside) expect(change(input, out!, x, y)).toBe(0);
        if (m === 0) untouched++;
        else if (m < 0.99) feathered++;
        else full++;
      }
    }
    expect(worst).toBeLessThan(0.001 * MAX);
    expect(untouched).toBeGreaterThan(W * H * 0.5);
    expect(full).toBeGreaterThan(1000);
    expect(feathered).toBeGreaterThan(1000);
    // Along a line out of the face the change falls smoothly over more than 8 pixels, never in a step.
    const centre = LANDMARKS[2];
    let previous = change(input, out!, Math.round(centre.x), Math.round(centre.y));
    for (let dx = 1; dx < 80; dx++) {
      const now = change(input, out!, Math.round(centre.x) + dx, Math.round(centre.y));
      expect(now).toBeLessThanOrEqual(previous + 2);
      expect(previous - now).toBeLessThan((0.1 * MAX) / 8);
      previous = now;
    }
    expect(previous).toBe(0);
  });

  it('puts marks painted at the template landmarks onto the face landmarks in the frame', async () => {
    const input = picture();
    const marks = templateMarks();
    const [out] = await run(await restorerFor({ offset: marks }), { strength: 1, colourMatch: false, temporal: false }, [input]);
    for (const l of LANDMARKS) {
      let sx = 0;
      let sy = 0;
      let sw = 0;
      for (let y = Math.round(l.y) - 8; y <= l.y + 8; y++) {
        for (let x = Math.round(l.x) - 8; x <= l.x + 8; x++) {
          const w = Math.max(0, change(input, out!, x, y, 1));
          sx += w * x;
          sy += w * y;
          sw += w;
        }
      }
      expect(sw).toBeGreaterThan(0);
      expect(Math.hypot(sx / sw - l.x, sy / sw - l.y)).toBeLessThan(0.25);
    }
  });

  it('takes a network colour cast back out, so no colour jump shows', async () => {
    const input = picture();
    const [out] = await run(await restorerFor({ offset: 0.2, gain: 1.1 }), { strength: 1, temporal: false }, [input]);
    let worst = 0;
    for (let i = 0; i < input.data.length; i++) worst = Math.max(worst, Math.abs(out!.data[i]! - input.data[i]!));
    expect(worst).toBeLessThanOrEqual(MAX / 255);
  });

  it('blends by strength', async () => {
    const input = picture();
    const [out] = await run(await restorerFor({ offset: 0.2 }), { strength: 0.5, colourMatch: false, temporal: false }, [input]);
    const nose = LANDMARKS[2];
    expect(change(input, out!, Math.round(nose.x), Math.round(nose.y))).toBeCloseTo(0.05 * MAX, -1);
  });

  it("steadies a still face's restoration with the previous frame's, but not a changing face's", async () => {
    // A network whose output flips between +0.1 and -0.1 from one call to the next.
    let calls = 0;
    const flipping: Restorer = {
      description: 'flipping',
      size: 512,
      async restore(crop: Planar) {
        const sign = calls++ % 2 === 0 ? 1 : -1;
        return { ...crop, data: crop.data.map((v) => v + 0.1 * sign) };
      },
      close: async () => undefined,
    };
    const still = picture();
    const nose = LANDMARKS[2];
    const at = (before: Frame, after: Frame) => change(before, after, Math.round(nose.x), Math.round(nose.y)) / MAX;
    const [, steadied] = await run(flipping, { strength: 1, colourMatch: false }, [still, still]);
    // The second frame gets half of -0.1 and half of the first frame's +0.1.
    expect(at(still, steadied!)).toBeCloseTo((1 - blendWeight(0)) * -0.1 + blendWeight(0) * 0.1, 3);
    const [, raw] = await run(flipping, { strength: 1, colourMatch: false, temporal: false }, [still, still]);
    expect(at(still, raw!)).toBeCloseTo(-0.1, 3);
    const other = picture(1, 2);
    const [, moved] = await run(flipping, { strength: 1, colourMatch: false }, [still, other]);
    expect(at(other, moved!)).toBeCloseTo(-0.1, 3);
  });
});
