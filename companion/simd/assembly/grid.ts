// How blocky a plane is along one axis (see steps/clean-kernels.ts, gridSteps): for each
// phase 0..7 of an 8-pixel grid, how often the step across it is a local peak small enough
// to be quantisation, and how far those peaks stand above their neighbours. Eight columns
// (one per phase) or a row of four at a time; each row's sums go into f64 totals.

/** Steps larger than this (8-bit units) are picture edges, not block edges. */
const MAX_BLOCK_STEP: f32 = 12;

/** The lanes where `here` is a peak: above the steps beside it, and small enough to be quantisation. */
@inline
function tally(prev: v128, here: v128, next: v128): v128 {
  return v128.and(
    v128.and(f32x4.gt(here, prev), f32x4.gt(here, next)),
    f32x4.lt(here, f32x4.splat(MAX_BLOCK_STEP)),
  );
}

@inline
function step(a: usize, b: usize): v128 {
  return f32x4.abs(f32x4.sub(v128.load(a), v128.load(b)));
}

/** Adds the four lanes of v to out[at..at+3] (f64). */
@inline
function addOut(out: usize, at: i32, v: v128): void {
  const o = out + (<usize>at << 3);
  store<f64>(o, load<f64>(o) + <f64>f32x4.extract_lane(v, 0));
  store<f64>(o, load<f64>(o, 8) + <f64>f32x4.extract_lane(v, 1), 8);
  store<f64>(o, load<f64>(o, 16) + <f64>f32x4.extract_lane(v, 2), 16);
  store<f64>(o, load<f64>(o, 24) + <f64>f32x4.extract_lane(v, 3), 24);
}

@inline
function sum4(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** One sample at phase p: `here` against `prev` and `next`. */
@inline
function one(out: usize, p: i32, prev: f32, here: f32, next: f32): void {
  const o = out + (<usize>p << 3);
  store<f64>(o, load<f64>(o, 128) + 1, 128);
  if (here > prev && here > next && here < MAX_BLOCK_STEP) {
    store<f64>(o, load<f64>(o) + 1);
    store<f64>(o, load<f64>(o, 64) + <f64>(here - 0.5 * (prev + next)), 64);
  }
}

/** One sample of a row at column x (phase x & 7): the step into x against those into x − 1 and x + 1. */
@inline
function column(out: usize, row: usize, x: i32): void {
  const a = row + (<usize>(x - 2) << 2);
  const p0 = load<f32>(a);
  const p1 = load<f32>(a, 4);
  const p2 = load<f32>(a, 8);
  const p3 = load<f32>(a, 12);
  one(out, x & 7, abs(p1 - p0), abs(p2 - p1), abs(p3 - p2));
}

/**
 * Writes [peaks ×8, excess ×8, samples ×8] (f64) for rows [y0, y1) to `out`:
 * `horizontal`, steps between columns; else between rows.
 */
export function gridSteps(plane: usize, width: i32, height: i32, horizontal: bool, out: usize, y0: i32, y1: i32): void {
  memory.fill(out, 0, 24 * 8);
  const half = f32x4.splat(0.5);
  if (horizontal) {
    for (let y = y0; y < y1; y++) {
      const row = plane + (<usize>(y * width) << 2);
      let x = 2;
      // Up to the first whole group of eight (x a multiple of 8), one at a time.
      for (; x < 8 && x + 1 < width; x++) column(out, row, x);
      let pA = f32x4.splat(0); let pB = f32x4.splat(0);
      let eA = f32x4.splat(0); let eB = f32x4.splat(0);
      let n = 0;
      for (; x + 9 <= width; x += 8, n++) {
        const a = row + (<usize>x << 2);
        const hereA = step(a, a - 4);
        const hereB = step(a + 16, a + 12);
        const prevA = step(a - 4, a - 8);
        const prevB = step(a + 12, a + 8);
        const nextA = step(a + 4, a);
        const nextB = step(a + 20, a + 16);
        const mA = tally(prevA, hereA, nextA);
        const mB = tally(prevB, hereB, nextB);
        pA = f32x4.sub(pA, f32x4.convert_i32x4_s(mA));
        pB = f32x4.sub(pB, f32x4.convert_i32x4_s(mB));
        eA = f32x4.add(eA, v128.and(f32x4.sub(hereA, f32x4.mul(half, f32x4.add(prevA, nextA))), mA));
        eB = f32x4.add(eB, v128.and(f32x4.sub(hereB, f32x4.mul(half, f32x4.add(prevB, nextB))), mB));
      }
      addOut(out, 0, pA); addOut(out, 4, pB);
      addOut(out, 8, eA); addOut(out, 12, eB);
      const samples = f32x4.splat(<f32>n);
      addOut(out, 16, samples); addOut(out, 20, samples);
      for (; x + 1 < width; x++) column(out, row, x);
    }
    return;
  }
  const stride = <usize>width << 2;
  for (let y = max(2, y0); y < y1 && y + 1 < height; y++) {
    const row = plane + (<usize>(y * width) << 2);
    let peaks = f32x4.splat(0);
    let excess = f32x4.splat(0);
    let x = 0;
    for (; x + 4 <= width; x += 4) {
      const a = row + (<usize>x << 2);
      const here = step(a, a - stride);
      const prev = step(a - stride, a - 2 * stride);
      const next = step(a + stride, a);
      const m = tally(prev, here, next);
      peaks = f32x4.sub(peaks, f32x4.convert_i32x4_s(m));
      excess = f32x4.add(excess, v128.and(f32x4.sub(here, f32x4.mul(half, f32x4.add(prev, next))), m));
    }
    const p = y & 7;
    const o = out + (<usize>p << 3);
    store<f64>(o, load<f64>(o) + <f64>sum4(peaks));
    store<f64>(o, load<f64>(o, 64) + <f64>sum4(excess), 64);
    store<f64>(o, load<f64>(o, 128) + <f64>x, 128);
    for (; x < width; x++) {
      const a = row + (<usize>x << 2);
      one(out, p, abs(load<f32>(a - stride) - load<f32>(a - 2 * stride)), abs(load<f32>(a) - load<f32>(a - stride)), abs(load<f32>(a + stride) - load<f32>(a)));
    }
  }
}
