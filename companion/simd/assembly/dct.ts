// Shifted-block DCT shrinkage (see steps/clean-kernels.ts, dctShrink), four columns at a
// time: a block is 8 rows × 2 halves of four lanes, transformed down its columns, transposed,
// transformed down again (so its coefficients come out transposed, which the thresholds,
// symmetric in the two frequencies, do not mind), thresholded, and transformed back the
// same way. The 1D transforms are the AAN factorisation of steps/clean-dct.ts, whose
// scaling (each coefficient × S(u)·S(v), the inverse × 64) the thresholds take in.
//
// The block lives in globals r0..r15 (row i, half h in r[2i + h]): AssemblyScript has no
// local arrays of vectors, and each call runs on its own instance, so they are its own.

let r0: v128 = v128.splat<f32>(0); let r1: v128 = v128.splat<f32>(0); let r2: v128 = v128.splat<f32>(0); let r3: v128 = v128.splat<f32>(0);
let r4: v128 = v128.splat<f32>(0); let r5: v128 = v128.splat<f32>(0); let r6: v128 = v128.splat<f32>(0); let r7: v128 = v128.splat<f32>(0);
let r8: v128 = v128.splat<f32>(0); let r9: v128 = v128.splat<f32>(0); let r10: v128 = v128.splat<f32>(0); let r11: v128 = v128.splat<f32>(0);
let r12: v128 = v128.splat<f32>(0); let r13: v128 = v128.splat<f32>(0); let r14: v128 = v128.splat<f32>(0); let r15: v128 = v128.splat<f32>(0);
// The 8 inputs and outputs of one 1D transform.
let t0: v128 = v128.splat<f32>(0); let t1: v128 = v128.splat<f32>(0); let t2: v128 = v128.splat<f32>(0); let t3: v128 = v128.splat<f32>(0);
let t4: v128 = v128.splat<f32>(0); let t5: v128 = v128.splat<f32>(0); let t6: v128 = v128.splat<f32>(0); let t7: v128 = v128.splat<f32>(0);

const C4: f32 = 0.7071067811865476;
const C6: f32 = 0.3826834323650898;
const C2: f32 = 0.9238795325112867;
const SQRT2: f32 = 1.4142135623730951;
/**
 * A block with at most this many AC coefficients above the threshold is flat: a sky, a wall,
 * where what remains is codec noise and block edges, not detail. There the `flat` threshold
 * applies (measured on the quality clips: locked-off blockiness -25% -> -37%, grain
 * +0.12 dB, nothing below -0.005 dB; with 10, fine detail on the zoom lost 0.01 dB).
 */
const FLAT_SURVIVORS = 5;

@inline function add(a: v128, b: v128): v128 { return f32x4.add(a, b); }
@inline function sub(a: v128, b: v128): v128 { return f32x4.sub(a, b); }
@inline function mul(a: v128, k: f32): v128 { return f32x4.mul(a, f32x4.splat(k)); }

/** Forward 8-point AAN transform of t0..t7, in place. */
@inline
function fdct(): void {
  const s0 = add(t0, t7), s7 = sub(t0, t7), s1 = add(t1, t6), s6 = sub(t1, t6);
  const s2 = add(t2, t5), s5 = sub(t2, t5), s3 = add(t3, t4), s4 = sub(t3, t4);
  const e10 = add(s0, s3), e13 = sub(s0, s3), e11 = add(s1, s2), e12 = sub(s1, s2);
  t0 = add(e10, e11);
  t4 = sub(e10, e11);
  const z1 = mul(add(e12, e13), C4);
  t2 = add(e13, z1);
  t6 = sub(e13, z1);
  const o10 = add(s4, s5), o11 = add(s5, s6), o12 = add(s6, s7);
  const z5 = mul(sub(o10, o12), C6);
  const z2 = add(mul(o10, C2 - C6), z5);
  const z4 = add(mul(o12, C2 + C6), z5);
  const z3 = mul(o11, C4);
  const z11 = add(s7, z3), z13 = sub(s7, z3);
  t5 = add(z13, z2);
  t3 = sub(z13, z2);
  t1 = add(z11, z4);
  t7 = sub(z11, z4);
}

/** Inverse 8-point AAN transform of t0..t7, in place. */
@inline
function idct(): void {
  const e10 = add(t0, t4), e11 = sub(t0, t4), e13 = add(t2, t6);
  const e12 = sub(mul(sub(t2, t6), SQRT2), e13);
  const a0 = add(e10, e13), a3 = sub(e10, e13), a1 = add(e11, e12), a2 = sub(e11, e12);
  const z13 = add(t5, t3), z10 = sub(t5, t3), z11 = add(t1, t7), z12 = sub(t1, t7);
  const u7 = add(z11, z13);
  const u11 = mul(sub(z11, z13), SQRT2);
  const z5 = mul(add(z10, z12), 2 * C2);
  const u10 = sub(mul(z12, 2 * (C2 - C6)), z5);
  const u12 = sub(z5, mul(z10, 2 * (C2 + C6)));
  const u6 = sub(u12, u7), u5 = sub(u11, u6), u4 = add(u10, u5);
  t0 = add(a0, u7);
  t7 = sub(a0, u7);
  t1 = add(a1, u6);
  t6 = sub(a1, u6);
  t2 = add(a2, u5);
  t5 = sub(a2, u5);
  t3 = sub(a3, u4);
  t4 = add(a3, u4);
}

/** The 1D transform down the columns of both halves. */
@inline
function columns(forward: bool): void {
  t0 = r0; t1 = r2; t2 = r4; t3 = r6; t4 = r8; t5 = r10; t6 = r12; t7 = r14;
  if (forward) fdct(); else idct();
  r0 = t0; r2 = t1; r4 = t2; r6 = t3; r8 = t4; r10 = t5; r12 = t6; r14 = t7;
  t0 = r1; t1 = r3; t2 = r5; t3 = r7; t4 = r9; t5 = r11; t6 = r13; t7 = r15;
  if (forward) fdct(); else idct();
  r1 = t0; r3 = t1; r5 = t2; r7 = t3; r9 = t4; r11 = t5; r13 = t6; r15 = t7;
}

/** Transposes the 4x4 block of lanes in t0..t3, in place. */
@inline
function transpose4(): void {
  const a = v128.shuffle<f32>(t0, t1, 0, 4, 1, 5);
  const b = v128.shuffle<f32>(t0, t1, 2, 6, 3, 7);
  const c = v128.shuffle<f32>(t2, t3, 0, 4, 1, 5);
  const d = v128.shuffle<f32>(t2, t3, 2, 6, 3, 7);
  t0 = v128.shuffle<f32>(a, c, 0, 1, 4, 5);
  t1 = v128.shuffle<f32>(a, c, 2, 3, 6, 7);
  t2 = v128.shuffle<f32>(b, d, 0, 1, 4, 5);
  t3 = v128.shuffle<f32>(b, d, 2, 3, 6, 7);
}

/** Transposes the 8x8 block: each 4x4 quarter in place, the off-diagonal ones swapped. */
@inline
function transpose(): void {
  t0 = r0; t1 = r2; t2 = r4; t3 = r6; transpose4(); r0 = t0; r2 = t1; r4 = t2; r6 = t3;
  t0 = r9; t1 = r11; t2 = r13; t3 = r15; transpose4(); r9 = t0; r11 = t1; r13 = t2; r15 = t3;
  t0 = r1; t1 = r3; t2 = r5; t3 = r7; transpose4(); t4 = t0; t5 = t1; t6 = t2; t7 = t3;
  t0 = r8; t1 = r10; t2 = r12; t3 = r14; transpose4();
  r1 = t0; r3 = t1; r5 = t2; r7 = t3;
  r8 = t4; r10 = t5; r12 = t6; r14 = t7;
}

/** S(k)², the square of fdct's scaling of frequency k: 8 for k = 0, else 16·cos²(kπ/16). */
@inline
function scale2(k: i32): f32 {
  if (k == 0) return 8.0;
  if (k == 1) return 15.391036260090294;
  if (k == 2) return 13.65685424949238;
  if (k == 3) return 11.061467458920719;
  if (k == 4) return 8.000000000000002;
  if (k == 5) return 4.938532541079283;
  if (k == 6) return 2.3431457505076208;
  return 0.6089637399097063;
}

// S(k)² across the lanes; the count of coefficients above the threshold; whether any AC is kept.
let lowA: v128 = v128.splat<f32>(0);
let lowB: v128 = v128.splat<f32>(0);
let survivors: v128 = v128.splat<i32>(0);
let anyAc: v128 = v128.splat<i32>(0);

/** Counts one coefficient vector's lanes at or above the threshold (lanes' S² in `lanes`, the row's threshold² · S² in `k`). */
@inline
function count(c: v128, lanes: v128, k: f32): void {
  survivors = i32x4.sub(survivors, f32x4.ge(f32x4.mul(c, c), f32x4.mul(lanes, f32x4.splat(k))));
}

/** One coefficient vector hard-thresholded at t (with a knee up to 4t) and scaled by `gain`. */
@inline
function shrink(c: v128, lanes: v128, k: f32, gain: f32): v128 {
  const t = f32x4.mul(lanes, f32x4.splat(k));
  const c2 = f32x4.mul(c, c);
  const keep = f32x4.ge(c2, t);
  anyAc = v128.or(anyAc, keep);
  const soft = f32x4.div(f32x4.mul(f32x4.mul(c, f32x4.sub(c2, t)), f32x4.splat(gain / 3)), t);
  return v128.and(v128.bitselect(f32x4.mul(c, f32x4.splat(gain)), soft, f32x4.ge(c2, f32x4.mul(t, f32x4.splat(4)))), keep);
}

/** Lane j of `v` (x = ox + j) added to dst row `at` where x lies in [x0, x1), or (`first`) stored there. */
@inline
function addLanes(dst: usize, at: i32, ox: i32, x0: i32, x1: i32, v: v128, first: bool): void {
  addLane(dst, at, ox, x0, x1, f32x4.extract_lane(v, 0), first);
  addLane(dst, at, ox + 1, x0, x1, f32x4.extract_lane(v, 1), first);
  addLane(dst, at, ox + 2, x0, x1, f32x4.extract_lane(v, 2), first);
  addLane(dst, at, ox + 3, x0, x1, f32x4.extract_lane(v, 3), first);
}

@inline
function addLane(dst: usize, at: i32, x: i32, x0: i32, x1: i32, v: f32, first: bool): void {
  if (x < x0 || x >= x1) return;
  const p = dst + (<usize>(at + x) << 2);
  store<f32>(p, first ? v : load<f32>(p) + v);
}

/**
 * Row i of the block (its halves a, b) added to dst where it lies in rows [y0, y1) and on the
 * picture; stored instead for the `first` grid, whose blocks tile the band: no zeroing first.
 */
@inline
function addRow(dst: usize, width: i32, oy: i32, ox: i32, i: i32, y0: i32, y1: i32, a: v128, b: v128, first: bool): void {
  const y = oy + i;
  if (y < y0 || y >= y1) return;
  if (ox >= 0 && ox + 8 <= width) {
    const o = dst + (<usize>(y * width + ox) << 2);
    v128.store(o, first ? a : f32x4.add(v128.load(o), a));
    v128.store(o, first ? b : f32x4.add(v128.load(o, 16), b), 16);
    return;
  }
  addLanes(dst, y * width, ox, 0, width, a, first);
  addLanes(dst, y * width, ox + 4, 0, width, b, first);
}

/** Four samples of row y from column x, columns clamped to the picture (edge blocks). */
@inline
function clamped(src: usize, width: i32, y: i32, x: i32): v128 {
  const row = src + (<usize>(y * width) << 2);
  const last = width - 1;
  return f32x4(
    load<f32>(row + (<usize>min(last, max(0, x)) << 2)),
    load<f32>(row + (<usize>min(last, max(0, x + 1)) << 2)),
    load<f32>(row + (<usize>min(last, max(0, x + 2)) << 2)),
    load<f32>(row + (<usize>min(last, max(0, x + 3)) << 2)),
  );
}

/** Loads the 8x8 block at (ox, oy) into r0..r15, replicating the picture's border beyond it. */
function loadBlock(src: usize, width: i32, height: i32, ox: i32, oy: i32): void {
  if (ox >= 0 && ox + 8 <= width && oy >= 0 && oy + 8 <= height) {
    const row = <usize>width << 2;
    let p = src + (<usize>(oy * width + ox) << 2);
    r0 = v128.load(p); r1 = v128.load(p, 16); p += row;
    r2 = v128.load(p); r3 = v128.load(p, 16); p += row;
    r4 = v128.load(p); r5 = v128.load(p, 16); p += row;
    r6 = v128.load(p); r7 = v128.load(p, 16); p += row;
    r8 = v128.load(p); r9 = v128.load(p, 16); p += row;
    r10 = v128.load(p); r11 = v128.load(p, 16); p += row;
    r12 = v128.load(p); r13 = v128.load(p, 16); p += row;
    r14 = v128.load(p); r15 = v128.load(p, 16);
    return;
  }
  r0 = clamped(src, width, min(height - 1, max(0, oy + 0)), ox); r1 = clamped(src, width, min(height - 1, max(0, oy + 0)), ox + 4);
  r2 = clamped(src, width, min(height - 1, max(0, oy + 1)), ox); r3 = clamped(src, width, min(height - 1, max(0, oy + 1)), ox + 4);
  r4 = clamped(src, width, min(height - 1, max(0, oy + 2)), ox); r5 = clamped(src, width, min(height - 1, max(0, oy + 2)), ox + 4);
  r6 = clamped(src, width, min(height - 1, max(0, oy + 3)), ox); r7 = clamped(src, width, min(height - 1, max(0, oy + 3)), ox + 4);
  r8 = clamped(src, width, min(height - 1, max(0, oy + 4)), ox); r9 = clamped(src, width, min(height - 1, max(0, oy + 4)), ox + 4);
  r10 = clamped(src, width, min(height - 1, max(0, oy + 5)), ox); r11 = clamped(src, width, min(height - 1, max(0, oy + 5)), ox + 4);
  r12 = clamped(src, width, min(height - 1, max(0, oy + 6)), ox); r13 = clamped(src, width, min(height - 1, max(0, oy + 6)), ox + 4);
  r14 = clamped(src, width, min(height - 1, max(0, oy + 7)), ox); r15 = clamped(src, width, min(height - 1, max(0, oy + 7)), ox + 4);
}

/**
 * Grid offset (x, y) of shift s, in the order they are taken (1, 2, 4 or 8 of them): (1,1),
 * (5,5), (3,7), (7,3), (1,5), (5,1), (3,3), (7,7). Off the codec grid, so they add no steps on it.
 */
@inline
function shiftX(s: i32): i32 {
  return s == 0 || s == 4 ? 1 : s == 1 || s == 5 ? 5 : s == 2 || s == 6 ? 3 : 7;
}

@inline
function shiftY(s: i32): i32 {
  return s == 0 || s == 5 ? 1 : s == 1 || s == 4 ? 5 : s == 2 ? 7 : s == 3 ? 3 : s == 6 ? 3 : 7;
}

/** Writes the band's rows [y0, y1) of the shrunk reconstruction, averaged over `shifts` grids, to `dst`. */
export function dctShrink(src: usize, dst: usize, width: i32, height: i32, threshold: f32, shifts: i32, flat: f32, y0: i32, y1: i32): void {
  lowA = f32x4(scale2(0), scale2(1), scale2(2), scale2(3));
  lowB = f32x4(scale2(4), scale2(5), scale2(6), scale2(7));
  // Every shift's blocks tile the plane, so each pixel gets exactly `shifts` of them.
  const gain: f32 = 1 / (64 * <f32>shifts);
  const t2 = threshold * threshold;
  const flatScale: f32 = flat > threshold ? (flat / threshold) * (flat / threshold) : 1;
  for (let s = 0; s < shifts; s++) {
    const sx = shiftX(s);
    const sy = shiftY(s);
    for (let oy = sy - 8 + 8 * ((y0 - sy + 8) / 8); oy < y1; oy += 8) {
      for (let ox = sx - 8; ox < width; ox += 8) {
        loadBlock(src, width, height, ox, oy);
        columns(true);
        transpose();
        columns(true);
        // Row v of the coefficients holds frequency v in one direction, the lanes the other.
        let k = t2;
        if (flatScale > 1) {
          survivors = v128.splat<i32>(0);
          count(r0, lowA, k * scale2(0)); count(r1, lowB, k * scale2(0));
          count(r2, lowA, k * scale2(1)); count(r3, lowB, k * scale2(1));
          count(r4, lowA, k * scale2(2)); count(r5, lowB, k * scale2(2));
          count(r6, lowA, k * scale2(3)); count(r7, lowB, k * scale2(3));
          count(r8, lowA, k * scale2(4)); count(r9, lowB, k * scale2(4));
          count(r10, lowA, k * scale2(5)); count(r11, lowB, k * scale2(5));
          count(r12, lowA, k * scale2(6)); count(r13, lowB, k * scale2(6));
          count(r14, lowA, k * scale2(7)); count(r15, lowB, k * scale2(7));
          // Less the DC, which always counts.
          const n = i32x4.extract_lane(survivors, 0) + i32x4.extract_lane(survivors, 1) + i32x4.extract_lane(survivors, 2) + i32x4.extract_lane(survivors, 3) - 1;
          if (n <= FLAT_SURVIVORS) k *= flatScale;
        }
        const dc = f32x4.extract_lane(r0, 0) * gain;
        anyAc = v128.splat<i32>(0);
        r0 = f32x4.replace_lane(shrink(r0, lowA, k * scale2(0), gain), 0, dc);
        // The DC's own lane is not AC.
        anyAc = i32x4.replace_lane(anyAc, 0, 0);
        r1 = shrink(r1, lowB, k * scale2(0), gain);
        r2 = shrink(r2, lowA, k * scale2(1), gain); r3 = shrink(r3, lowB, k * scale2(1), gain);
        r4 = shrink(r4, lowA, k * scale2(2), gain); r5 = shrink(r5, lowB, k * scale2(2), gain);
        r6 = shrink(r6, lowA, k * scale2(3), gain); r7 = shrink(r7, lowB, k * scale2(3), gain);
        r8 = shrink(r8, lowA, k * scale2(4), gain); r9 = shrink(r9, lowB, k * scale2(4), gain);
        r10 = shrink(r10, lowA, k * scale2(5), gain); r11 = shrink(r11, lowB, k * scale2(5), gain);
        r12 = shrink(r12, lowA, k * scale2(6), gain); r13 = shrink(r13, lowB, k * scale2(6), gain);
        r14 = shrink(r14, lowA, k * scale2(7), gain); r15 = shrink(r15, lowB, k * scale2(7), gain);
        if (!v128.any_true(anyAc)) {
          // A flat block: its reconstruction is its DC everywhere.
          const v = f32x4.splat(dc);
          addRow(dst, width, oy, ox, 0, y0, y1, v, v, s == 0); addRow(dst, width, oy, ox, 1, y0, y1, v, v, s == 0);
          addRow(dst, width, oy, ox, 2, y0, y1, v, v, s == 0); addRow(dst, width, oy, ox, 3, y0, y1, v, v, s == 0);
          addRow(dst, width, oy, ox, 4, y0, y1, v, v, s == 0); addRow(dst, width, oy, ox, 5, y0, y1, v, v, s == 0);
          addRow(dst, width, oy, ox, 6, y0, y1, v, v, s == 0); addRow(dst, width, oy, ox, 7, y0, y1, v, v, s == 0);
          continue;
        }
        columns(false);
        transpose();
        columns(false);
        addRow(dst, width, oy, ox, 0, y0, y1, r0, r1, s == 0); addRow(dst, width, oy, ox, 1, y0, y1, r2, r3, s == 0);
        addRow(dst, width, oy, ox, 2, y0, y1, r4, r5, s == 0); addRow(dst, width, oy, ox, 3, y0, y1, r6, r7, s == 0);
        addRow(dst, width, oy, ox, 4, y0, y1, r8, r9, s == 0); addRow(dst, width, oy, ox, 5, y0, y1, r10, r11, s == 0);
        addRow(dst, width, oy, ox, 6, y0, y1, r12, r13, s == 0); addRow(dst, width, oy, ox, 7, y0, y1, r14, r15, s == 0);
      }
    }
  }
}
