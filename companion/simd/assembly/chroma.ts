// Luma- and colour-guided chroma cleaning (see steps/clean-kernels.ts, guideChroma): each
// chroma sample becomes the mean of itself (weight 2) and its 8 neighbours two samples away,
// each weighted by exp(−(luma difference² · inv + colour difference² · invC)); then back to
// rgb48. Four pixels at a time inside the picture, one at a time within two of its edges.
import { expNeg, expNeg4 } from './exp';

import { CB_SCALE, CR_SCALE, KB, KG, KR, TO_16BIT } from './bt709';

@inline
function to16(v: f32): u16 {
  const x = v * TO_16BIT + 0.5;
  return x <= 0 ? 0 : x >= 65535 ? 65535 : <u16>(<i32>x);
}

export function guideChroma(
  srcY: usize, srcCb: usize, srcCr: usize, inv: f32, invC: f32, width: i32, height: i32, rgb: usize, y0: i32, y1: i32,
): void {
  const row = <isize>width << 2;
  const vInv = f32x4.splat(inv);
  const vInvC = f32x4.splat(invC);
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
        for (let k = 0; k < 8; k++) {
          // Neighbours two samples away: the 5x5 window's corners, edge centres.
          const dy: isize = k < 3 ? -2 : k < 5 ? 0 : 2;
          const dx: isize = k == 0 || k == 3 || k == 5 ? -2 : k == 1 || k == 6 ? 0 : 2;
          const q = o + dy * row + (dx << 2);
          const nl = v128.load(srcY + q);
          const ncb = v128.load(srcCb + q);
          const ncr = v128.load(srcCr + q);
          const d = f32x4.sub(nl, l);
          const db = f32x4.sub(ncb, cb);
          const dr = f32x4.sub(ncr, cr);
          const e = f32x4.add(f32x4.mul(f32x4.mul(d, d), vInv), f32x4.mul(f32x4.add(f32x4.mul(db, db), f32x4.mul(dr, dr)), vInvC));
          const w = expNeg4(e);
          scb = f32x4.add(scb, f32x4.mul(w, ncb));
          scr = f32x4.add(scr, f32x4.mul(w, ncr));
          sw = f32x4.add(sw, w);
        }
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
  const top = f32x4.splat(65535);
  const zero = f32x4.splat(0);
  const ri = i32x4.trunc_sat_f32x4_s(f32x4.min(top, f32x4.max(zero, f32x4.add(f32x4.mul(r, k), half))));
  const gi = i32x4.trunc_sat_f32x4_s(f32x4.min(top, f32x4.max(zero, f32x4.add(f32x4.mul(g, k), half))));
  const bi = i32x4.trunc_sat_f32x4_s(f32x4.min(top, f32x4.max(zero, f32x4.add(f32x4.mul(b, k), half))));
  store<u16>(out, <u16>i32x4.extract_lane(ri, 0));
  store<u16>(out, <u16>i32x4.extract_lane(gi, 0), 2);
  store<u16>(out, <u16>i32x4.extract_lane(bi, 0), 4);
  store<u16>(out, <u16>i32x4.extract_lane(ri, 1), 6);
  store<u16>(out, <u16>i32x4.extract_lane(gi, 1), 8);
  store<u16>(out, <u16>i32x4.extract_lane(bi, 1), 10);
  store<u16>(out, <u16>i32x4.extract_lane(ri, 2), 12);
  store<u16>(out, <u16>i32x4.extract_lane(gi, 2), 14);
  store<u16>(out, <u16>i32x4.extract_lane(bi, 2), 16);
  store<u16>(out, <u16>i32x4.extract_lane(ri, 3), 18);
  store<u16>(out, <u16>i32x4.extract_lane(gi, 3), 20);
  store<u16>(out, <u16>i32x4.extract_lane(bi, 3), 22);
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
