// The levels of a frame's luma for motion search (see steps/clean-kernels.ts,
// buildPyramid), four outputs at a time: the picture itself and the means of its 2x2 and 4x4
// boxes, rounded to u16 (16 × the sample or mean, clamped to 0..4095), where the search
// compares eight samples a vector.

/** Four pairs of lanes from a, b (eight samples in a row) added pairwise: a0+a1, a2+a3, b0+b1, b2+b3. */
@inline
function pairs(a: v128, b: v128): v128 {
  return f32x4.add(v128.shuffle<f32>(a, b, 0, 2, 4, 6), v128.shuffle<f32>(a, b, 1, 3, 5, 7));
}

/** Sum of the four samples at byte address p in rows `row` bytes apart, four lanes. */
@inline
function down4(p: usize, row: usize): v128 {
  return f32x4.add(f32x4.add(v128.load(p), v128.load(p + row)), f32x4.add(v128.load(p + 2 * row), v128.load(p + 3 * row)));
}

/** Four sums rounded and clamped to 0..4095, as u16 in the low half. */
@inline
function toU16(v: v128): v128 {
  const i = i32x4.min_s(i32x4.trunc_sat_f32x4_s(f32x4.add(f32x4.pmax(v, f32x4.splat(0)), f32x4.splat(0.5))), i32x4.splat(4095));
  return i16x8.narrow_i32x4_u(i, i);
}

/** Fills the rows [y0, y1) of the u16 full level, and the coarse rows whose first full row lies there. */
export function buildPyramid(y: usize, full: usize, half: usize, quarter: usize, width: i32, height: i32, y0: i32, y1: i32): void {
  const row = <usize>width << 2;
  const sixteen = f32x4.splat(16);
  const four = f32x4.splat(4);
  let i = y0 * width;
  const end = y1 * width;
  for (; i + 4 <= end; i += 4) store<i64>(full + (<usize>i << 1), i64x2.extract_lane(toU16(f32x4.mul(v128.load(y + (<usize>i << 2)), sixteen)), 0));
  for (; i < end; i++) store<u16>(full + (<usize>i << 1), <u16>i16x8.extract_lane_u(toU16(f32x4.splat(16 * load<f32>(y + (<usize>i << 2)))), 0));
  const w1 = width >> 1;
  const h1 = height >> 1;
  for (let r = (y0 + 1) >> 1; r * 2 < y1 && r < h1; r++) {
    const a = y + <usize>(2 * r) * row;
    const out = half + (<usize>(r * w1) << 1);
    let x = 0;
    for (; x + 4 <= w1; x += 4) {
      const p = a + (<usize>x << 3);
      const sums = pairs(f32x4.add(v128.load(p), v128.load(p + row)), f32x4.add(v128.load(p, 16), v128.load(p + row, 16)));
      store<i64>(out + (<usize>x << 1), i64x2.extract_lane(toU16(f32x4.mul(sums, four)), 0));
    }
    for (; x < w1; x++) {
      const p = a + (<usize>x << 3);
      const sum = load<f32>(p) + load<f32>(p, 4) + load<f32>(p + row) + load<f32>(p + row, 4);
      store<u16>(out + (<usize>x << 1), <u16>i16x8.extract_lane_u(toU16(f32x4.splat(4 * sum)), 0));
    }
  }
  const w2 = width >> 2;
  const h2 = height >> 2;
  for (let r = (y0 + 3) >> 2; r * 4 < y1 && r < h2; r++) {
    const a = y + <usize>(4 * r) * row;
    const out = quarter + (<usize>(r * w2) << 1);
    let x = 0;
    for (; x + 4 <= w2; x += 4) {
      const p = a + (<usize>x << 4);
      const sums = pairs(pairs(down4(p, row), down4(p + 16, row)), pairs(down4(p + 32, row), down4(p + 48, row)));
      store<i64>(out + (<usize>x << 1), i64x2.extract_lane(toU16(sums), 0));
    }
    for (; x < w2; x++) {
      const s = down4(a + (<usize>x << 4), row);
      const sum = f32x4.splat(f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
      store<u16>(out + (<usize>x << 1), <u16>i16x8.extract_lane_u(toU16(sum), 0));
    }
  }
}
