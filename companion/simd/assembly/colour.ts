// rgb48 (interleaved, 0..65535) to Y'CbCr float planes in 8-bit units, BT.709 full range
// (see steps/clean-kernels.ts, rgbToYcc): four pixels at a time, their 12 samples gathered
// into one channel each by byte shuffles.

import { CB_SCALE, CR_SCALE, KB, KG, KR, TO_8BIT } from './bt709';

@inline
function toFloat(v: v128): v128 {
  return f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(v)), f32x4.splat(TO_8BIT));
}

export function rgbToYcc(rgb: usize, y: usize, cb: usize, cr: usize, first: i32, end: i32): void {
  let p = first;
  for (; p + 4 <= end; p += 4) {
    const i = rgb + <usize>p * 6;
    // Samples 0-7 (r0 g0 b0 r1 g1 b1 r2 g2) and 8-11 (b2 r3 g3 b3).
    const a = v128.load(i);
    const b = v128.load64_zero(i + 16);
    const r = toFloat(i8x16.shuffle(a, b, 0, 1, 6, 7, 12, 13, 18, 19, 0, 0, 0, 0, 0, 0, 0, 0));
    const g = toFloat(i8x16.shuffle(a, b, 2, 3, 8, 9, 14, 15, 20, 21, 0, 0, 0, 0, 0, 0, 0, 0));
    const bl = toFloat(i8x16.shuffle(a, b, 4, 5, 10, 11, 16, 17, 22, 23, 0, 0, 0, 0, 0, 0, 0, 0));
    const l = f32x4.add(f32x4.add(f32x4.mul(r, f32x4.splat(KR)), f32x4.mul(g, f32x4.splat(KG))), f32x4.mul(bl, f32x4.splat(KB)));
    const o = <usize>p << 2;
    v128.store(y + o, l);
    v128.store(cb + o, f32x4.mul(f32x4.sub(bl, l), f32x4.splat(CB_SCALE)));
    v128.store(cr + o, f32x4.mul(f32x4.sub(r, l), f32x4.splat(CR_SCALE)));
  }
  for (; p < end; p++) {
    const i = rgb + <usize>p * 6;
    const r = <f32>load<u16>(i) * TO_8BIT;
    const g = <f32>load<u16>(i, 2) * TO_8BIT;
    const b = <f32>load<u16>(i, 4) * TO_8BIT;
    const l = KR * r + KG * g + KB * b;
    const o = <usize>p << 2;
    store<f32>(y + o, l);
    store<f32>(cb + o, (b - l) * CB_SCALE);
    store<f32>(cr + o, (r - l) * CR_SCALE);
  }
}
