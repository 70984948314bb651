import { describe, expect, it } from 'vitest';
import { random } from '../../test/support/kernels.js';
import { alignment, apply, compose, FFHQ_TEMPLATE_512, frameScale, invert, type Affine, type Point, similarity } from './align.js';

/** Rotation by `angle`, uniform scale `s`, then translation. */
function similar(angle: number, s: number, tx: number, ty: number): Affine {
  const c = Math.cos(angle) * s;
  const n = Math.sin(angle) * s;
  return { a: c, b: -n, c: tx, d: n, e: c, f: ty };
}

describe('face alignment', () => {
  it('recovers a rotated, scaled and shifted face exactly from its five landmarks', () => {
    const truth = similar(0.35, 0.42, 610.5, 233.25);
    const landmarks = FFHQ_TEMPLATE_512.map((p) => apply(truth, p));
    const toCrop = alignment(landmarks);
    for (const [i, p] of landmarks.entries()) {
      const q = apply(toCrop, p);
      expect(q.x).toBeCloseTo(FFHQ_TEMPLATE_512[i]!.x, 6);
      expect(q.y).toBeCloseTo(FFHQ_TEMPLATE_512[i]!.y, 6);
    }
    expect(frameScale(toCrop)).toBeCloseTo(0.42, 9);
  });

  it('scales the template for smaller crops', () => {
    const landmarks = FFHQ_TEMPLATE_512.map((p) => apply(similar(-0.2, 1.3, 40, 90), p));
    const q = apply(alignment(landmarks, 128), landmarks[2]!);
    expect(q.x).toBeCloseTo(FFHQ_TEMPLATE_512[2]!.x / 4, 6);
    expect(q.y).toBeCloseTo(FFHQ_TEMPLATE_512[2]!.y / 4, 6);
  });

  it('is the least-squares fit when landmarks are noisy, and never mirrors', () => {
    const rand = random(7);
    const truth = similar(1.1, 0.8, 100, 50);
    const noisy: Point[] = FFHQ_TEMPLATE_512.map((p) => {
      const q = apply(truth, p);
      return { x: q.x + (rand() - 0.5) * 4, y: q.y + (rand() - 0.5) * 4 };
    });
    const fit = similarity(FFHQ_TEMPLATE_512, noisy);
    const cost = (m: Affine) => FFHQ_TEMPLATE_512.reduce((s, p, i) => s + (apply(m, p).x - noisy[i]!.x) ** 2 + (apply(m, p).y - noisy[i]!.y) ** 2, 0);
    // Any nudge of the fit's parameters (within the similarity family) costs more.
    for (const [da, db, dc] of [[1e-3, 0, 0], [0, 1e-3, 0], [0, 0, 0.05], [-1e-3, 0, 0], [0, -1e-3, 0]]) {
      const nudged = { a: fit.a + da!, b: fit.b - db!, c: fit.c + dc!, d: fit.d + db!, e: fit.e + da!, f: fit.f };
      expect(cost(nudged)).toBeGreaterThan(cost(fit));
    }
    expect(fit.a * fit.e - fit.b * fit.d).toBeGreaterThan(0);
  });

  it('inverts and composes affine maps', () => {
    const m = similar(0.7, 2.5, -30, 12);
    const id = compose(invert(m), m);
    for (const [k, v] of Object.entries({ a: 1, b: 0, c: 0, d: 0, e: 1, f: 0 })) expect(id[k as keyof Affine]).toBeCloseTo(v, 12);
  });
});
