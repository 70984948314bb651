import { describe, expect, it } from 'vitest';
import type { CubeLut, Table1D, Table3D, Vec3 } from './cube.js';
import { applyLut, prepareLut, type Interpolation } from './interpolate.js';

// ---------------------------------------------------------------------------------------
// Reference: a direct float64 evaluation of the CubeLut, one pixel at a time, sharing no
// code with interpolate.ts. Indices follow the .cube order (red fastest).

function random(seed: number): () => number {
  // mulberry32
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lattice coordinate of x on an n-point axis over [min, max], clamped to the axis. */
function position(x: number, min: number, max: number, n: number): { i0: number; i1: number; f: number } {
  const t = Math.min(Math.max((x - min) / (max - min), 0), 1) * (n - 1);
  const i0 = Math.floor(t);
  return { i0, i1: Math.min(i0 + 1, n - 1), f: t - i0 };
}

function ref1d(t: Table1D, x: Vec3): Vec3 {
  return [0, 1, 2].map((c) => {
    const p = position(x[c]!, t.domainMin[c]!, t.domainMax[c]!, t.size);
    return t.table[p.i0 * 3 + c]! * (1 - p.f) + t.table[p.i1 * 3 + c]! * p.f;
  }) as Vec3;
}

function ref3d(t: Table3D, x: Vec3, interpolation: Interpolation): Vec3 {
  const n = t.size;
  const [pr, pg, pb] = [0, 1, 2].map((c) => position(x[c]!, t.domainMin[c]!, t.domainMax[c]!, n)) as [
    ReturnType<typeof position>,
    ReturnType<typeof position>,
    ReturnType<typeof position>,
  ];
  // Corner (ir, ig, ib) ∈ {0,1}³ of the cell, as an RGB triple.
  const corner = (ir: number, ig: number, ib: number): Vec3 => {
    const r = ir ? pr.i1 : pr.i0;
    const g = ig ? pg.i1 : pg.i0;
    const b = ib ? pb.i1 : pb.i0;
    const o = ((b * n + g) * n + r) * 3;
    return [t.table[o]!, t.table[o + 1]!, t.table[o + 2]!];
  };
  const sum = (terms: Array<[number, Vec3]>): Vec3 =>
    [0, 1, 2].map((c) => terms.reduce((acc, [w, v]) => acc + w * v[c]!, 0)) as Vec3;
  const [dr, dg, db] = [pr.f, pg.f, pb.f];

  if (interpolation === 'trilinear') {
    const terms: Array<[number, Vec3]> = [];
    for (const ir of [0, 1])
      for (const ig of [0, 1])
        for (const ib of [0, 1]) {
          const w = (ir ? dr : 1 - dr) * (ig ? dg : 1 - dg) * (ib ? db : 1 - db);
          terms.push([w, corner(ir, ig, ib)]);
        }
    return sum(terms);
  }
  // The six tetrahedra of ffmpeg's vf_lut3d interp_tetrahedral, case by case.
  const c000 = corner(0, 0, 0);
  const c111 = corner(1, 1, 1);
  if (dr > dg) {
    if (dg > db) return sum([[1 - dr, c000], [dr - dg, corner(1, 0, 0)], [dg - db, corner(1, 1, 0)], [db, c111]]);
    if (dr > db) return sum([[1 - dr, c000], [dr - db, corner(1, 0, 0)], [db - dg, corner(1, 0, 1)], [dg, c111]]);
    return sum([[1 - db, c000], [db - dr, corner(0, 0, 1)], [dr - dg, corner(1, 0, 1)], [dg, c111]]);
  }
  if (db > dg) return sum([[1 - db, c000], [db - dg, corner(0, 0, 1)], [dg - dr, corner(0, 1, 1)], [dr, c111]]);
  if (db > dr) return sum([[1 - dg, c000], [dg - db, corner(0, 1, 0)], [db - dr, corner(0, 1, 1)], [dr, c111]]);
  return sum([[1 - dg, c000], [dg - dr, corner(0, 1, 0)], [dr - db, corner(1, 1, 0)], [db, c111]]);
}

function reference(lut: CubeLut, code: Vec3, interpolation: Interpolation): Vec3 {
  let x = code.map((c) => c / 65535) as Vec3;
  if (lut.lut1d) x = ref1d(lut.lut1d, x);
  if (lut.lut3d) x = ref3d(lut.lut3d, x, interpolation);
  return x.map((v) => Math.min(Math.max(v, 0), 1)) as Vec3;
}

// ---------------------------------------------------------------------------------------
// Test LUTs and pixels.

const UNIT: [Vec3, Vec3] = [[0, 0, 0], [1, 1, 1]];

/** Random lattice values in [-0.1, 1.1], so the output clamp is exercised too. */
function randomTable(entries: number, rand: () => number): Float32Array {
  return Float32Array.from({ length: entries * 3 }, () => rand() * 1.2 - 0.1);
}

function random3d(size: number, seed: number, [domainMin, domainMax] = UNIT): CubeLut {
  const rand = random(seed);
  return { source: `random-${size}`, lut3d: { size, domainMin, domainMax, table: randomTable(size ** 3, rand) } };
}

function identity3d(size: number): CubeLut {
  const table = new Float32Array(size ** 3 * 3);
  let o = 0;
  for (let b = 0; b < size; b++)
    for (let g = 0; g < size; g++)
      for (let r = 0; r < size; r++) {
        table[o++] = r / (size - 1);
        table[o++] = g / (size - 1);
        table[o++] = b / (size - 1);
      }
  return { source: 'identity', lut3d: { size, domainMin: [0, 0, 0], domainMax: [1, 1, 1], table } };
}

/** Random pixels plus the codes where interpolation is most likely to go wrong. */
function testPixels(latticeSizes: number[], count: number, seed: number): Uint16Array {
  const rand = random(seed);
  const special = new Set([0, 1, 2, 32767, 32768, 65534, 65535]);
  for (const n of latticeSizes) {
    for (let k = 0; k < n; k++) {
      const c = Math.round((k / (n - 1)) * 65535);
      for (const d of [-1, 0, 1]) if (c + d >= 0 && c + d <= 65535) special.add(c + d);
    }
  }
  const codes = [...special];
  const pixels: number[] = [];
  for (const r of [0, 65535, 12345]) for (const g of [0, 65535, 40000]) for (const b of [0, 65535, 777]) pixels.push(r, g, b);
  for (let i = 0; i < count; i++) {
    const pick = () => (rand() < 0.3 ? codes[Math.floor(rand() * codes.length)]! : Math.floor(rand() * 65536));
    pixels.push(pick(), pick(), pick());
  }
  return Uint16Array.from(pixels);
}

function maxError(lut: CubeLut, interpolation: Interpolation, pixels: Uint16Array): number {
  const out = new Uint16Array(pixels.length);
  applyLut(prepareLut(lut, interpolation), pixels, out, 0, pixels.length / 3, 1);
  let worst = 0;
  for (let i = 0; i < pixels.length; i += 3) {
    const want = reference(lut, [pixels[i]!, pixels[i + 1]!, pixels[i + 2]!], interpolation);
    for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(out[i + c]! / 65535 - want[c]!));
  }
  return worst;
}

// Only the final rounding should differ from float64, so one code is allowed; the bar a
// grading tool must clear is 1/4096 of full scale (16 codes).
const TOLERANCE = 1 / 65535;

describe('applyLut matches a float64 reference', () => {
  const shaper = (): CubeLut => {
    const rand = random(7);
    const n = 257;
    // A rising curve with noise, over a domain wider than [0, 1].
    const table = Float32Array.from({ length: n * 3 }, (_, i) => Math.floor(i / 3) / (n - 1) + (rand() - 0.5) * 0.02);
    return {
      source: 'shaper+3d',
      lut1d: { size: n, domainMin: [-0.1, -0.1, -0.1], domainMax: [1.2, 1.2, 1.2], table },
      lut3d: random3d(17, 8, [[0, 0, 0], [0.9, 0.9, 0.9]]).lut3d!,
    };
  };
  const cases: Array<[string, CubeLut, number[]]> = [
    ['random 3D size 2', random3d(2, 1), [2]],
    ['random 3D size 17', random3d(17, 2), [17]],
    ['random 3D size 33', random3d(33, 3), [33]],
    ['random 3D size 65', random3d(65, 4), [65]],
    ['3D with domain ≠ [0,1]', random3d(9, 5, [[-0.2, 0.1, 0], [1.2, 0.9, 2]]), [9]],
    ['1D shaper + 3D', shaper(), [17, 257]],
  ];
  for (const [name, lut, sizes] of cases) {
    for (const interpolation of ['tetrahedral', 'trilinear'] as const) {
      it(`${name}, ${interpolation}`, () => {
        expect(maxError(lut, interpolation, testPixels(sizes, 20_000, 11))).toBeLessThanOrEqual(TOLERANCE);
      });
    }
  }

  it('1D only, with its own domain', () => {
    const rand = random(9);
    const lut: CubeLut = {
      source: '1d',
      lut1d: { size: 1024, domainMin: [0.05, 0, -0.5], domainMax: [0.95, 1, 1.5], table: randomTable(1024, rand) },
    };
    expect(maxError(lut, 'tetrahedral', testPixels([1024], 20_000, 12))).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('applyLut', () => {
  const pixels = testPixels([33], 5_000, 21);
  const count = pixels.length / 3;

  it('returns the input within one code through an identity LUT', () => {
    for (const size of [2, 33]) {
      for (const interpolation of ['tetrahedral', 'trilinear'] as const) {
        const out = new Uint16Array(pixels.length);
        applyLut(prepareLut(identity3d(size), interpolation), pixels, out, 0, count, 1);
        for (let i = 0; i < pixels.length; i++) expect(Math.abs(out[i]! - pixels[i]!)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('returns the input exactly at strength 0', () => {
    const out = new Uint16Array(pixels.length);
    applyLut(prepareLut(random3d(17, 31), 'tetrahedral'), pixels, out, 0, count, 0);
    expect(out).toEqual(pixels);
  });

  it('lands half-way between input and full grade at strength 0.5', () => {
    const p = prepareLut(random3d(17, 32), 'tetrahedral');
    const full = new Uint16Array(pixels.length);
    const half = new Uint16Array(pixels.length);
    applyLut(p, pixels, full, 0, count, 1);
    applyLut(p, pixels, half, 0, count, 0.5);
    for (let i = 0; i < pixels.length; i++) {
      expect(Math.abs(half[i]! - (pixels[i]! + full[i]!) / 2)).toBeLessThanOrEqual(1);
    }
  });

  it('grades in place and only the requested pixel range', () => {
    const p = prepareLut(random3d(5, 33), 'trilinear');
    const expected = new Uint16Array(pixels.length);
    applyLut(p, pixels, expected, 0, count, 1);
    const data = pixels.slice();
    applyLut(p, data, data, 10, 20, 1);
    expect(data.subarray(0, 30)).toEqual(pixels.subarray(0, 30));
    expect(data.subarray(30, 60)).toEqual(expected.subarray(30, 60));
    expect(data.subarray(60)).toEqual(pixels.subarray(60));
  });

  it('works on a structured clone of the prepared LUT, as a worker receives it', () => {
    const invert: CubeLut = {
      source: 'invert',
      lut1d: { size: 2, domainMin: [0, 0, 0], domainMax: [1, 1, 1], table: new Float32Array([1, 1, 1, 0, 0, 0]) },
    };
    for (const lut of [random3d(9, 34), invert]) {
      const p = prepareLut(lut, 'tetrahedral');
      const a = new Uint16Array(pixels.length);
      const b = new Uint16Array(pixels.length);
      applyLut(p, pixels, a, 0, count, 1);
      applyLut(structuredClone(p), pixels, b, 0, count, 1);
      expect(b).toEqual(a);
    }
  });
});
