// The robust temporal average (see steps/clean-kernels.ts, blend): each pixel of the
// current frame with its motion-compensated matches, each weighted by
// base × exp(−(3x3 mean of its squared difference) / h²), skipped past 6 (e^-6).
// Four pixels at a time, a row for two matches after two more, summed in the out rows (and
// the weights in `sums`), and divided in the last pass: the matches' planes are read as
// streams, not all at once, and the sums half as often as one match a pass would.
// The first and last column, whose 3x3 window is clamped, one at a time.
import { expNeg, expNeg4 } from './exp';

/** Offsets in a match's table entry: its Y, Cb, Cr planes and its squared difference. */
const Y = 0;
const CB = 4;
const CR = 8;
const DIFF = 12;

/**
 * `table`: `n` entries of four u32 plane addresses (Y, Cb, Cr, diff); `base`: n f32.
 * Writes rows [y0, y1) of the out planes, using the same rows of `sums`.
 */
export function blend(
  curY: usize, curCb: usize, curCr: usize, table: usize, base: usize, n: i32, inv: f32,
  width: i32, height: i32, outY: usize, outCb: usize, outCr: usize, sums: usize, y0: i32, y1: i32,
): void {
  const row = <usize>width << 2;
  const inv9 = inv / 9;
  const k9 = f32x4.splat(inv9);
  for (let y = y0; y < y1; y++) {
    const up: isize = y > 0 ? -(<isize>row) : 0;
    const down: isize = y + 1 < height ? <isize>row : 0;
    const start = <usize>(y * width) << 2;
    const last = width - 1;
    // Edge columns first (their left or right neighbour is themselves), then the inside by fours.
    pixel(curY, curCb, curCr, table, base, n, inv9, outY, outCb, outCr, start, up, down, 0, last > 0 ? 4 : 0);
    if (last > 0) pixel(curY, curCb, curCr, table, base, n, inv9, outY, outCb, outCr, start + (<usize>last << 2), up, down, -4, 0);
    const inside = 1 + ((last - 1) & ~3);
    // The first pass starts from the current frame, with one match if their count is odd.
    const odd = (n & 1) != 0;
    const b0 = f32x4.splat(load<f32>(base));
    if (odd) pass(curY, curCb, curCr, table, table, false, b0, b0, k9, outY, outCb, outCr, sums, start, inside, up, down, true, n == 1);
    else pass(curY, curCb, curCr, table, table + 16, true, b0, f32x4.splat(load<f32>(base, 4)), k9, outY, outCb, outCr, sums, start, inside, up, down, true, n == 2);
    for (let k = odd ? 1 : 2; k < n; k += 2) {
      const bA = f32x4.splat(load<f32>(base + (<usize>k << 2)));
      const bB = f32x4.splat(load<f32>(base + (<usize>k << 2), 4));
      const entry = table + (<usize>k << 4);
      pass(curY, curCb, curCr, entry, entry + 16, true, bA, bB, k9, outY, outCb, outCr, sums, start, inside, up, down, false, k + 2 >= n);
    }
    for (let x = inside; x < last; x++) pixel(curY, curCb, curCr, table, base, n, inv9, outY, outCb, outCr, start + (<usize>x << 2), up, down, -4, 4);
  }
}

/**
 * One pass over the inside of a row for the matches at table entries a and (if `two`) b, with
 * base weights bA, bB: added to the out rows and `sums`, or (`first`) to the current frame
 * (weight 1); `last` divides by the weights' sum. Column sums of each match's 3x3 window are
 * rolled along the row: the window's left and right columns come from the vectors before
 * and after by shuffles.
 */
@inline
function pass(
  curY: usize, curCb: usize, curCr: usize, a: usize, b: usize, two: bool, bA: v128, bB: v128, k9: v128,
  outY: usize, outCb: usize, outCr: usize, sums: usize, start: usize, inside: i32, up: isize, down: isize, first: bool, last: bool,
): void {
  const aY = <usize>load<u32>(a, Y);
  const aCb = <usize>load<u32>(a, CB);
  const aCr = <usize>load<u32>(a, CR);
  const aD = <usize>load<u32>(a, DIFF);
  const bY = two ? <usize>load<u32>(b, Y) : 0;
  const bCb = two ? <usize>load<u32>(b, CB) : 0;
  const bCr = two ? <usize>load<u32>(b, CR) : 0;
  const bD = two ? <usize>load<u32>(b, DIFF) : aD;
  let prevA = column(aD + start - 12, up, down);
  let curA = column(aD + start + 4, up, down);
  let prevB = two ? column(bD + start - 12, up, down) : prevA;
  let curB = two ? column(bD + start + 4, up, down) : curA;
  for (let x = 1; x < inside; x += 4) {
    const o = start + (<usize>x << 2);
    const nextA = column(aD + o + 16, up, down);
    const wA = weight(prevA, curA, nextA, k9, bA);
    prevA = curA;
    curA = nextA;
    let y = f32x4.add(first ? v128.load(curY + o) : v128.load(outY + o), f32x4.mul(wA, v128.load(aY + o)));
    let cb = f32x4.add(first ? v128.load(curCb + o) : v128.load(outCb + o), f32x4.mul(wA, v128.load(aCb + o)));
    let cr = f32x4.add(first ? v128.load(curCr + o) : v128.load(outCr + o), f32x4.mul(wA, v128.load(aCr + o)));
    let sw = f32x4.add(first ? f32x4.splat(1) : v128.load(sums + o), wA);
    if (two) {
      const nextB = column(bD + o + 16, up, down);
      const wB = weight(prevB, curB, nextB, k9, bB);
      prevB = curB;
      curB = nextB;
      y = f32x4.add(y, f32x4.mul(wB, v128.load(bY + o)));
      cb = f32x4.add(cb, f32x4.mul(wB, v128.load(bCb + o)));
      cr = f32x4.add(cr, f32x4.mul(wB, v128.load(bCr + o)));
      sw = f32x4.add(sw, wB);
    }
    if (last) {
      y = f32x4.div(y, sw);
      cb = f32x4.div(cb, sw);
      cr = f32x4.div(cr, sw);
    } else {
      v128.store(sums + o, sw);
    }
    v128.store(outY + o, y);
    v128.store(outCb + o, cb);
    v128.store(outCr + o, cr);
  }
}

/** A match's weights at four samples from its 3x3 window's column sums left of, at and right of them: base × e^−mean/h², 0 past e^-6. */
@inline
function weight(prev: v128, cur: v128, next: v128, k9: v128, base: v128): v128 {
  const s = f32x4.add(f32x4.add(v128.shuffle<f32>(prev, cur, 3, 4, 5, 6), cur), v128.shuffle<f32>(cur, next, 1, 2, 3, 4));
  const e = f32x4.mul(s, k9);
  return v128.and(f32x4.mul(base, expNeg4(e)), f32x4.le(e, f32x4.splat(6)));
}

/** Sums of the samples at d + up, d, d + down, four lanes. */
@inline
function column(d: usize, up: isize, down: isize): v128 {
  return f32x4.add(f32x4.add(v128.load(d + up), v128.load(d)), v128.load(d + down));
}

/** One pixel at byte offset `o`; `left`/`right`: byte steps to its row neighbours (0 at an edge). */
@inline
function pixel(
  curY: usize, curCb: usize, curCr: usize, table: usize, base: usize, n: i32, inv9: f32,
  outY: usize, outCb: usize, outCr: usize, o: usize, up: isize, down: isize, left: isize, right: isize,
): void {
  let sy = load<f32>(curY + o);
  let scb = load<f32>(curCb + o);
  let scr = load<f32>(curCr + o);
  let sw: f32 = 1;
  for (let k = 0; k < n; k++) {
    const entry = table + (<usize>k << 4);
    const d = <usize>load<u32>(entry, DIFF) + o;
    const a = d + up;
    const c = d + down;
    const s = load<f32>(a + left) + load<f32>(a) + load<f32>(a + right)
      + load<f32>(d + left) + load<f32>(d) + load<f32>(d + right)
      + load<f32>(c + left) + load<f32>(c) + load<f32>(c + right);
    const e = s * inv9;
    if (e > 6) continue;
    const w = load<f32>(base + (<usize>k << 2)) * expNeg(e);
    sy += w * load<f32>(<usize>load<u32>(entry, Y) + o);
    scb += w * load<f32>(<usize>load<u32>(entry, CB) + o);
    scr += w * load<f32>(<usize>load<u32>(entry, CR) + o);
    sw += w;
  }
  store<f32>(outY + o, sy / sw);
  store<f32>(outCb + o, scb / sw);
  store<f32>(outCr + o, scr / sw);
}
