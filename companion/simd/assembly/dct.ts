// Shifted-block DCT shrinkage (see steps/clean-kernels.ts, dctShrink), four columns at a
// time: a block is 8 rows × 2 halves of four lanes, transformed down its columns, transposed,
// transformed down again (so its coefficients come out transposed, which the thresholds,
// symmetric in the two frequencies, do not mind), thresholded, and transformed back the
// same way. The 1D transforms are the AAN factorisation of steps/clean-dct.ts, whose
// scaling (each coefficient × S(u)·S(v), the inverse × 64) the thresholds take in.
//
// The block lives in 256 bytes of scratch memory, each 1D transform loading its eight
// vectors and storing its eight results: kept in globals (AssemblyScript has no local
// arrays of vectors), every step went through memory several times (a 4-grid 1080p plane
// 26 -> 16 ms).

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

/** Forward 8-point AAN transform of the eight vectors at a, a + as, … into b, b + bs, … (may be a). */
function fdct(a: usize, as: usize, b: usize, bs: usize): void {
  const t0 = v128.load(a), t1 = v128.load(a + as), t2 = v128.load(a + 2 * as), t3 = v128.load(a + 3 * as);
  const t4 = v128.load(a + 4 * as), t5 = v128.load(a + 5 * as), t6 = v128.load(a + 6 * as), t7 = v128.load(a + 7 * as);
  const s0 = add(t0, t7), s7 = sub(t0, t7), s1 = add(t1, t6), s6 = sub(t1, t6);
  const s2 = add(t2, t5), s5 = sub(t2, t5), s3 = add(t3, t4), s4 = sub(t3, t4);
  const e10 = add(s0, s3), e13 = sub(s0, s3), e11 = add(s1, s2), e12 = sub(s1, s2);
  v128.store(b, add(e10, e11));
  v128.store(b + 4 * bs, sub(e10, e11));
  const z1 = mul(add(e12, e13), C4);
  v128.store(b + 2 * bs, add(e13, z1));
  v128.store(b + 6 * bs, sub(e13, z1));
  const o10 = add(s4, s5), o11 = add(s5, s6), o12 = add(s6, s7);
  const z5 = mul(sub(o10, o12), C6);
  const z2 = add(mul(o10, C2 - C6), z5);
  const z4 = add(mul(o12, C2 + C6), z5);
  const z3 = mul(o11, C4);
  const z11 = add(s7, z3), z13 = sub(s7, z3);
  v128.store(b + 5 * bs, add(z13, z2));
  v128.store(b + 3 * bs, sub(z13, z2));
  v128.store(b + bs, add(z11, z4));
  v128.store(b + 7 * bs, sub(z11, z4));
}

/** Inverse 8-point AAN transform of the eight vectors at a, a + as, … into b, b + bs, … (may be a). */
function idct(a: usize, as: usize, b: usize, bs: usize): void {
  const t0 = v128.load(a), t1 = v128.load(a + as), t2 = v128.load(a + 2 * as), t3 = v128.load(a + 3 * as);
  const t4 = v128.load(a + 4 * as), t5 = v128.load(a + 5 * as), t6 = v128.load(a + 6 * as), t7 = v128.load(a + 7 * as);
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
  v128.store(b, add(a0, u7));
  v128.store(b + 7 * bs, sub(a0, u7));
  v128.store(b + bs, add(a1, u6));
  v128.store(b + 6 * bs, sub(a1, u6));
  v128.store(b + 2 * bs, add(a2, u5));
  v128.store(b + 5 * bs, sub(a2, u5));
  v128.store(b + 3 * bs, sub(a3, u4));
  v128.store(b + 4 * bs, add(a3, u4));
}

/** Transposes the block at p (row i, half h at p + 32i + 16h): each 4x4 quarter, the off-diagonal ones swapped. */
function transpose(p: usize): void {
  quarter(p, p);
  quarter(p + 144, p + 144);
  // The upper right and lower left quarters, both read before either is written.
  const a0 = v128.load(p + 16), a1 = v128.load(p + 48), a2 = v128.load(p + 80), a3 = v128.load(p + 112);
  quarter(p + 128, p + 16);
  storeTransposed(a0, a1, a2, a3, p + 128);
}

/** The 4x4 quarter at a (rows 32 bytes apart), transposed, to b. */
@inline
function quarter(a: usize, b: usize): void {
  storeTransposed(v128.load(a), v128.load(a + 32), v128.load(a + 64), v128.load(a + 96), b);
}

/** The 4x4 lanes of rows t0..t3, transposed, to b (rows 32 bytes apart). */
@inline
function storeTransposed(t0: v128, t1: v128, t2: v128, t3: v128, b: usize): void {
  const x = v128.shuffle<f32>(t0, t1, 0, 4, 1, 5);
  const y = v128.shuffle<f32>(t0, t1, 2, 6, 3, 7);
  const z = v128.shuffle<f32>(t2, t3, 0, 4, 1, 5);
  const w = v128.shuffle<f32>(t2, t3, 2, 6, 3, 7);
  v128.store(b, v128.shuffle<f32>(x, z, 0, 1, 4, 5));
  v128.store(b + 32, v128.shuffle<f32>(x, z, 2, 3, 6, 7));
  v128.store(b + 64, v128.shuffle<f32>(y, w, 0, 1, 4, 5));
  v128.store(b + 96, v128.shuffle<f32>(y, w, 2, 3, 6, 7));
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

/** Counts the lanes of the coefficient vector at c at or above the threshold (lanes' S² in `lanes`, the row's threshold² · S² in `k`). */
@inline
function count(c: usize, lanes: v128, k: f32): v128 {
  const v = v128.load(c);
  return f32x4.ge(f32x4.mul(v, v), f32x4.mul(lanes, f32x4.splat(k)));
}

/** The coefficient vector at c hard-thresholded at t (with a knee up to 4t) and scaled by `gain`, in place; its lanes kept. */
@inline
function shrink(c: usize, lanes: v128, k: f32, gain: f32): v128 {
  const v = v128.load(c);
  const t = f32x4.mul(lanes, f32x4.splat(k));
  const c2 = f32x4.mul(v, v);
  const keep = f32x4.ge(c2, t);
  const soft = f32x4.div(f32x4.mul(f32x4.mul(v, f32x4.sub(c2, t)), f32x4.splat(gain / 3)), t);
  v128.store(c, v128.and(v128.bitselect(f32x4.mul(v, f32x4.splat(gain)), soft, f32x4.ge(c2, f32x4.mul(t, f32x4.splat(4)))), keep));
  return keep;
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
 * Row i of the block at p added to dst where it lies in rows [y0, y1) and on the picture;
 * stored instead for the `first` grid, whose blocks tile the band: no zeroing first.
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

/** Copies the 8x8 block at (ox, oy) to p, replicating the picture's border beyond it. */
function clampedBlock(src: usize, width: i32, height: i32, ox: i32, oy: i32, p: usize): void {
  for (let i = 0; i < 8; i++) {
    const y = min(height - 1, max(0, oy + i));
    v128.store(p + (<usize>i << 5), clamped(src, width, y, ox));
    v128.store(p + (<usize>i << 5) + 16, clamped(src, width, y, ox + 4));
  }
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

/**
 * Writes the band's rows [y0, y1) of the shrunk reconstruction, averaged over `shifts` grids,
 * to `dst`; `block` is 256 bytes of scratch, the band's own.
 */
export function dctShrink(src: usize, dst: usize, block: usize, width: i32, height: i32, threshold: f32, shifts: i32, flat: f32, y0: i32, y1: i32): void {
  const lowA = f32x4(scale2(0), scale2(1), scale2(2), scale2(3));
  const lowB = f32x4(scale2(4), scale2(5), scale2(6), scale2(7));
  // Every shift's blocks tile the plane, so each pixel gets exactly `shifts` of them.
  const gain: f32 = 1 / (64 * <f32>shifts);
  const t2 = threshold * threshold;
  const flatScale: f32 = flat > threshold ? (flat / threshold) * (flat / threshold) : 1;
  const row = <usize>width << 2;
  for (let s = 0; s < shifts; s++) {
    const sx = shiftX(s);
    const sy = shiftY(s);
    for (let oy = sy - 8 + 8 * ((y0 - sy + 8) / 8); oy < y1; oy += 8) {
      for (let ox = sx - 8; ox < width; ox += 8) {
        // Down the columns (from the picture itself where the block lies on it), across, and down again.
        if (ox >= 0 && ox + 8 <= width && oy >= 0 && oy + 8 <= height) {
          const p = src + (<usize>(oy * width + ox) << 2);
          fdct(p, row, block, 32);
          fdct(p + 16, row, block + 16, 32);
        } else {
          clampedBlock(src, width, height, ox, oy, block);
          fdct(block, 32, block, 32);
          fdct(block + 16, 32, block + 16, 32);
        }
        transpose(block);
        fdct(block, 32, block, 32);
        fdct(block + 16, 32, block + 16, 32);
        // Row v of the coefficients holds frequency v in one direction, the lanes the other.
        let k = t2;
        if (flatScale > 1) {
          let n = i32x4.splat(0);
          for (let v = 0; v < 8; v++) {
            const kv = k * scale2(v);
            n = i32x4.sub(i32x4.sub(n, count(block + (<usize>v << 5), lowA, kv)), count(block + (<usize>v << 5) + 16, lowB, kv));
          }
          // Less the DC, which always counts.
          if (i32x4.extract_lane(n, 0) + i32x4.extract_lane(n, 1) + i32x4.extract_lane(n, 2) + i32x4.extract_lane(n, 3) - 1 <= FLAT_SURVIVORS) k *= flatScale;
        }
        const dc = f32x4.extract_lane(v128.load(block), 0) * gain;
        // The DC's own lane is not AC.
        let anyAc = i32x4.replace_lane(shrink(block, lowA, k * scale2(0), gain), 0, 0);
        anyAc = v128.or(anyAc, shrink(block + 16, lowB, k * scale2(0), gain));
        for (let v = 1; v < 8; v++) {
          const kv = k * scale2(v);
          anyAc = v128.or(anyAc, v128.or(shrink(block + (<usize>v << 5), lowA, kv, gain), shrink(block + (<usize>v << 5) + 16, lowB, kv, gain)));
        }
        const first = s == 0;
        if (!v128.any_true(anyAc)) {
          // A flat block: its reconstruction is its DC everywhere.
          const d = f32x4.splat(dc);
          for (let i = 0; i < 8; i++) addRow(dst, width, oy, ox, i, y0, y1, d, d, first);
          continue;
        }
        v128.store(block, f32x4.replace_lane(v128.load(block), 0, dc));
        idct(block, 32, block, 32);
        idct(block + 16, 32, block + 16, 32);
        transpose(block);
        idct(block, 32, block, 32);
        idct(block + 16, 32, block + 16, 32);
        for (let i = 0; i < 8; i++) addRow(dst, width, oy, ox, i, y0, y1, v128.load(block + (<usize>i << 5)), v128.load(block + (<usize>i << 5) + 16), first);
      }
    }
  }
}
