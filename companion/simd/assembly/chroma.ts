// Luma- and colour-guided chroma cleaning (see steps/clean-kernels.ts, guideChroma): each
// chroma sample becomes the mean of itself (weight 2) and its 8 neighbours two samples away,
// each weighted by exp(−(luma difference² · inv + colour difference² · invC)); then back to
// rgb48. Four pixels at a time inside the picture, one at a time within two of its edges.
import { expNeg, exp2Neg4, LOG2E } from './exp';

import { CB_SCALE, CR_SCALE, KB, KG, KR, TO_16BIT } from './bt709';

@inline
function to16(v: f32): u16 {
  const x = v * TO_16BIT + 0.5;
  return x <= 0 ? 0 : x >= 65535 ? 65535 : <u16>(<i32>x);
}

/** The weight of the neighbour at byte offset q, exp(−(luma difference² · inv + colour difference² · invC)), as 2^(…) with the factors scaled by −log2 e. */
@inline
function weight(srcY: usize, srcCb: usize, srcCr: usize, q: usize, l: v128, cb: v128, cr: v128, vInv: v128, vInvC: v128): v128 {
  return likeness(f32x4.sub(v128.load(srcY + q), l), f32x4.sub(v128.load(srcCb + q), cb), f32x4.sub(v128.load(srcCr + q), cr), vInv, vInvC);
}

/** The weight for luma and colour differences d, db, dr. */
@inline
function likeness(d: v128, db: v128, dr: v128, vInv: v128, vInvC: v128): v128 {
  return exp2Neg4(f32x4.add(f32x4.mul(f32x4.mul(d, d), vInv), f32x4.mul(f32x4.add(f32x4.mul(db, db), f32x4.mul(dr, dr)), vInvC)));
}

/** acc + w × the four samples at `at`. */
@inline
function madd(acc: v128, w: v128, at: usize): v128 {
  return f32x4.add(acc, f32x4.mul(w, v128.load(at)));
}

/** Bytes of one row of `weights` scratch: the row and a vector either side. */
@inline
function weightRow(width: i32): usize {
  return (<usize>(width + 11) & ~3) << 2;
}

/** weight() of one sample at byte offset o and its neighbour at q, lane by lane the same arithmetic. */
function weightAt(srcY: usize, srcCb: usize, srcCr: usize, o: usize, q: usize, vInv: v128, vInvC: v128): f32 {
  const d = f32x4.splat(load<f32>(srcY + q) - load<f32>(srcY + o));
  const db = f32x4.splat(load<f32>(srcCb + q) - load<f32>(srcCb + o));
  const dr = f32x4.splat(load<f32>(srcCr + q) - load<f32>(srcCr + o));
  return f32x4.extract_lane(likeness(d, db, dr, vInv, vInvC), 0);
}

/**
 * The four forward weights of row y (below the picture's last two rows) into the weight rows
 * east, south-west, south and south-east, for every sample whose neighbour that way is on the
 * picture (0 for the others, never used). Four at a time where every load stays on the picture.
 */
function forward(srcY: usize, srcCb: usize, srcCr: usize, vInv: v128, vInvC: v128, width: i32, y: i32, east: usize, sw: usize, s: usize, se: usize): void {
  const row = <isize>width << 2;
  const start = y * width;
  // The south-west neighbour of x = 0, 1 is off the picture: those lanes are never used.
  let x = 0;
  for (; x + 6 <= width; x += 4) {
    const o = <usize>(start + x) << 2;
    const l = v128.load(srcY + o);
    const cb = v128.load(srcCb + o);
    const cr = v128.load(srcCr + o);
    const at = <usize>x << 2;
    v128.store(east + at, weight(srcY, srcCb, srcCr, o + 8, l, cb, cr, vInv, vInvC));
    v128.store(sw + at, weight(srcY, srcCb, srcCr, o + 2 * row - 8, l, cb, cr, vInv, vInvC));
    v128.store(s + at, weight(srcY, srcCb, srcCr, o + 2 * row, l, cb, cr, vInv, vInvC));
    v128.store(se + at, weight(srcY, srcCb, srcCr, o + 2 * row + 8, l, cb, cr, vInv, vInvC));
  }
  for (; x < width; x++) {
    const o = <usize>(start + x) << 2;
    const at = <usize>x << 2;
    store<f32>(east + at, x + 2 < width ? weightAt(srcY, srcCb, srcCr, o, o + 8, vInv, vInvC) : 0);
    store<f32>(sw + at, x >= 2 ? weightAt(srcY, srcCb, srcCr, o, o + 2 * row - 8, vInv, vInvC) : 0);
    store<f32>(s + at, weightAt(srcY, srcCb, srcCr, o, o + 2 * row, vInv, vInvC));
    store<f32>(se + at, x + 2 < width ? weightAt(srcY, srcCb, srcCr, o, o + 2 * row + 8, vInv, vInvC) : 0);
  }
}

/**
 * `weights` is the band's scratch, 13 weight rows (weightRow): a weight is the same seen from
 * either end, so each row works out its four forward ones (east, and the three below) and takes
 * the four backward ones from the rows two above and from its own east weights two samples
 * back: half the exponentials.
 */
export function guideChroma(
  srcY: usize, srcCb: usize, srcCr: usize, inv: f32, invC: f32, width: i32, height: i32, rgb: usize, weights: usize, y0: i32, y1: i32,
): void {
  const row = <isize>width << 2;
  const vInv = f32x4.splat(inv * LOG2E);
  const vInvC = f32x4.splat(invC * LOG2E);
  const wr = weightRow(width);
  // Each weight row starts a vector in, so the east weights two samples back can be read at x = 0.
  const east = weights + 16;
  // Rows y & 3 of the south-west, south and south-east weights.
  const ring = east + wr;
  const first = max(y0, 2);
  if (inv > 0 && first < min(y1, height - 2)) for (let y = first - 2; y < first; y++) {
    const k = <usize>(y & 3) * 3 * wr;
    forward(srcY, srcCb, srcCr, vInv, vInvC, width, y, east, ring + k, ring + k + wr, ring + k + 2 * wr);
  }
  for (let y = y0; y < y1; y++) {
    const start = y * width;
    let x = 0;
    if (inv > 0 && y >= 2 && y + 2 < height) {
      const k = <usize>(y & 3) * 3 * wr;
      const up = <usize>((y - 2) & 3) * 3 * wr;
      forward(srcY, srcCb, srcCr, vInv, vInvC, width, y, east, ring + k, ring + k + wr, ring + k + 2 * wr);
      const nw = ring + up + 2 * wr - 8;
      const n = ring + up + wr;
      const ne = ring + up + 8;
      const w = east - 8;
      for (; x < 2; x++) pixel(srcY, srcCb, srcCr, inv, invC, width, height, rgb, x, y);
      for (; x + 4 <= width - 2; x += 4) {
        const o = <usize>(start + x) << 2;
        const at = <usize>x << 2;
        const l = v128.load(srcY + o);
        const cb = v128.load(srcCb + o);
        const cr = v128.load(srcCr + o);
        let scb = f32x4.add(cb, cb);
        let scr = f32x4.add(cr, cr);
        let sum = f32x4.splat(2);
        // Neighbours two samples away, the 5x5 window's corners and edge centres, in one fixed
        // order, written out: as a loop over them, V8 ran this kernel 1.3x slower.
        const above = o - 2 * row;
        const below = o + 2 * row;
        let q: usize, g: v128;
        q = above - 8; g = v128.load(nw + at);
        scb = madd(scb, g, srcCb + q); scr = madd(scr, g, srcCr + q); sum = f32x4.add(sum, g);
        q = above; g = v128.load(n + at);
        scb = madd(scb, g, srcCb + q); scr = madd(scr, g, srcCr + q); sum = f32x4.add(sum, g);
        q = above + 8; g = v128.load(ne + at);
        scb = madd(scb, g, srcCb + q); scr = madd(scr, g, srcCr + q); sum = f32x4.add(sum, g);
        q = o - 8; g = v128.load(w + at);
        scb = madd(scb, g, srcCb + q); scr = madd(scr, g, srcCr + q); sum = f32x4.add(sum, g);
        q = o + 8; g = v128.load(east + at);
        scb = madd(scb, g, srcCb + q); scr = madd(scr, g, srcCr + q); sum = f32x4.add(sum, g);
        q = below - 8; g = v128.load(ring + k + at);
        scb = madd(scb, g, srcCb + q); scr = madd(scr, g, srcCr + q); sum = f32x4.add(sum, g);
        q = below; g = v128.load(ring + k + wr + at);
        scb = madd(scb, g, srcCb + q); scr = madd(scr, g, srcCr + q); sum = f32x4.add(sum, g);
        q = below + 8; g = v128.load(ring + k + 2 * wr + at);
        scb = madd(scb, g, srcCb + q); scr = madd(scr, g, srcCr + q); sum = f32x4.add(sum, g);
        const r = f32x4.add(l, f32x4.div(f32x4.div(scr, sum), f32x4.splat(CR_SCALE)));
        const b = f32x4.add(l, f32x4.div(f32x4.div(scb, sum), f32x4.splat(CB_SCALE)));
        const gr = f32x4.div(f32x4.sub(f32x4.sub(l, f32x4.mul(f32x4.splat(KR), r)), f32x4.mul(f32x4.splat(KB), b)), f32x4.splat(KG));
        store4(rgb + (<usize>(start + x) * 6), r, gr, b);
      }
    }
    for (; x < width; x++) pixel(srcY, srcCb, srcCr, inv, invC, width, height, rgb, x, y);
  }
}

/** Four pixels of r, g, b (8-bit units) as interleaved rgb48 at `out`, rounded and clamped. */
@inline
function store4(out: usize, r: v128, g: v128, b: v128): void {
  const k = f32x4.splat(TO_16BIT);
  const half = f32x4.splat(0.5);
  // Truncation after +0.5 rounds; the unsigned narrowing clamps to 0..65535.
  const ri = i32x4.trunc_sat_f32x4_s(f32x4.add(f32x4.mul(r, k), half));
  const gi = i32x4.trunc_sat_f32x4_s(f32x4.add(f32x4.mul(g, k), half));
  const bi = i32x4.trunc_sat_f32x4_s(f32x4.add(f32x4.mul(b, k), half));
  const rg = i16x8.narrow_i32x4_u(ri, gi);
  const bb = i16x8.narrow_i32x4_u(bi, bi);
  v128.store(out, i8x16.shuffle(rg, bb, 0, 1, 8, 9, 16, 17, 2, 3, 10, 11, 18, 19, 4, 5, 12, 13));
  store<i64>(out, i64x2.extract_lane(i8x16.shuffle(rg, bb, 20, 21, 6, 7, 14, 15, 22, 23, 0, 1, 2, 3, 4, 5, 6, 7), 0), 16);
}

/** One pixel; neighbours off the picture are left out. */
function pixel(srcY: usize, srcCb: usize, srcCr: usize, inv: f32, invC: f32, width: i32, height: i32, rgb: usize, x: i32, y: i32): void {
  const p = y * width + x;
  const l = load<f32>(srcY + (<usize>p << 2));
  let cb = load<f32>(srcCb + (<usize>p << 2));
  let cr = load<f32>(srcCr + (<usize>p << 2));
  if (inv > 0) {
    let scb = cb + cb;
    let scr = cr + cr;
    let sw: f32 = 2;
    for (let dy = -2; dy <= 2; dy += 2) {
      for (let dx = -2; dx <= 2; dx += 2) {
        if ((dx == 0 && dy == 0) || x + dx < 0 || x + dx >= width || y + dy < 0 || y + dy >= height) continue;
        const q = <usize>(p + dy * width + dx) << 2;
        const nl = load<f32>(srcY + q);
        const ncb = load<f32>(srcCb + q);
        const ncr = load<f32>(srcCr + q);
        const d = nl - l;
        const db = ncb - cb;
        const dr = ncr - cr;
        const w = expNeg(d * d * inv + (db * db + dr * dr) * invC);
        scb += w * ncb;
        scr += w * ncr;
        sw += w;
      }
    }
    cb = scb / sw;
    cr = scr / sw;
  }
  const r = l + cr / CR_SCALE;
  const b = l + cb / CB_SCALE;
  const g = (l - KR * r - KB * b) / KG;
  const out = rgb + <usize>p * 6;
  store<u16>(out, to16(r));
  store<u16>(out, to16(g), 2);
  store<u16>(out, to16(b), 4);
}
