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
  const d = f32x4.sub(v128.load(srcY + q), l);
  const db = f32x4.sub(v128.load(srcCb + q), cb);
  const dr = f32x4.sub(v128.load(srcCr + q), cr);
  return exp2Neg4(f32x4.add(f32x4.mul(f32x4.mul(d, d), vInv), f32x4.mul(f32x4.add(f32x4.mul(db, db), f32x4.mul(dr, dr)), vInvC)));
}

/** acc + w × the four samples at `at`. */
@inline
function madd(acc: v128, w: v128, at: usize): v128 {
  return f32x4.add(acc, f32x4.mul(w, v128.load(at)));
}

export function guideChroma(
  srcY: usize, srcCb: usize, srcCr: usize, inv: f32, invC: f32, width: i32, height: i32, rgb: usize, y0: i32, y1: i32,
): void {
  const row = <isize>width << 2;
  const vInv = f32x4.splat(inv * LOG2E);
  const vInvC = f32x4.splat(invC * LOG2E);
  for (let y = y0; y < y1; y++) {
    const start = y * width;
    let x = 0;
    if (inv > 0 && y >= 2 && y + 2 < height) {
      for (; x < 2; x++) pixel(srcY, srcCb, srcCr, inv, invC, width, height, rgb, x, y);
      for (; x + 4 <= width - 2; x += 4) {
        const o = <usize>(start + x) << 2;
        const l = v128.load(srcY + o);
        const cb = v128.load(srcCb + o);
        const cr = v128.load(srcCr + o);
        let scb = f32x4.add(cb, cb);
        let scr = f32x4.add(cr, cr);
        let sw = f32x4.splat(2);
        // Neighbours two samples away: the 5x5 window's corners and edge centres, written out:
        // as a loop over them, V8 ran this kernel 1.3x slower.
        const up = o - 2 * row;
        const down = o + 2 * row;
        let q: usize, w: v128;
        q = up - 8; w = weight(srcY, srcCb, srcCr, q, l, cb, cr, vInv, vInvC);
        scb = madd(scb, w, srcCb + q); scr = madd(scr, w, srcCr + q); sw = f32x4.add(sw, w);
        q = up; w = weight(srcY, srcCb, srcCr, q, l, cb, cr, vInv, vInvC);
        scb = madd(scb, w, srcCb + q); scr = madd(scr, w, srcCr + q); sw = f32x4.add(sw, w);
        q = up + 8; w = weight(srcY, srcCb, srcCr, q, l, cb, cr, vInv, vInvC);
        scb = madd(scb, w, srcCb + q); scr = madd(scr, w, srcCr + q); sw = f32x4.add(sw, w);
        q = o - 8; w = weight(srcY, srcCb, srcCr, q, l, cb, cr, vInv, vInvC);
        scb = madd(scb, w, srcCb + q); scr = madd(scr, w, srcCr + q); sw = f32x4.add(sw, w);
        q = o + 8; w = weight(srcY, srcCb, srcCr, q, l, cb, cr, vInv, vInvC);
        scb = madd(scb, w, srcCb + q); scr = madd(scr, w, srcCr + q); sw = f32x4.add(sw, w);
        q = down - 8; w = weight(srcY, srcCb, srcCr, q, l, cb, cr, vInv, vInvC);
        scb = madd(scb, w, srcCb + q); scr = madd(scr, w, srcCr + q); sw = f32x4.add(sw, w);
        q = down; w = weight(srcY, srcCb, srcCr, q, l, cb, cr, vInv, vInvC);
        scb = madd(scb, w, srcCb + q); scr = madd(scr, w, srcCr + q); sw = f32x4.add(sw, w);
        q = down + 8; w = weight(srcY, srcCb, srcCr, q, l, cb, cr, vInv, vInvC);
        scb = madd(scb, w, srcCb + q); scr = madd(scr, w, srcCr + q); sw = f32x4.add(sw, w);
        const r = f32x4.add(l, f32x4.div(f32x4.div(scr, sw), f32x4.splat(CR_SCALE)));
        const b = f32x4.add(l, f32x4.div(f32x4.div(scb, sw), f32x4.splat(CB_SCALE)));
        const g = f32x4.div(f32x4.sub(f32x4.sub(l, f32x4.mul(f32x4.splat(KR), r)), f32x4.mul(f32x4.splat(KB), b)), f32x4.splat(KG));
        const out = rgb + (<usize>(start + x) * 6);
        store4(out, r, g, b);
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
