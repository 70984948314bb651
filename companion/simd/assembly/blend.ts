// The robust temporal average (see steps/clean-kernels.ts, blend): each pixel of the
// current frame with its motion-compensated matches, each weighted by
// base × exp(−(3x3 mean of its squared difference) / h²), skipped past 6 (e^-6).
// Four pixels at a time, a row for one match after another, summed in the out rows (and the
// weights in `sums`), then divided: the matches' planes are read as streams, not all at once.
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
    for (let x = 1; x < inside; x += 4) {
      const o = start + (<usize>x << 2);
      v128.store(outY + o, v128.load(curY + o));
      v128.store(outCb + o, v128.load(curCb + o));
      v128.store(outCr + o, v128.load(curCr + o));
      v128.store(sums + o, f32x4.splat(1));
    }
    for (let k = 0; k < n; k++) {
      const entry = table + (<usize>k << 4);
      const pY = <usize>load<u32>(entry, Y);
      const pCb = <usize>load<u32>(entry, CB);
      const pCr = <usize>load<u32>(entry, CR);
      const diff = <usize>load<u32>(entry, DIFF);
      const bk = f32x4.splat(load<f32>(base + (<usize>k << 2)));
      // Column sums of the 3x3 window, rolled along the row: the window's left and right
      // columns come from the vectors before and after by shuffles.
      let prev = column(diff + start - 12, up, down);
      let cur = column(diff + start + 4, up, down);
      for (let x = 1; x < inside; x += 4) {
        const o = start + (<usize>x << 2);
        const next = column(diff + o + 16, up, down);
        const s = f32x4.add(f32x4.add(v128.shuffle<f32>(prev, cur, 3, 4, 5, 6), cur), v128.shuffle<f32>(cur, next, 1, 2, 3, 4));
        prev = cur;
        cur = next;
        const e = f32x4.mul(s, k9);
        const w = v128.and(f32x4.mul(bk, expNeg4(e)), f32x4.le(e, f32x4.splat(6)));
        v128.store(outY + o, f32x4.add(v128.load(outY + o), f32x4.mul(w, v128.load(pY + o))));
        v128.store(outCb + o, f32x4.add(v128.load(outCb + o), f32x4.mul(w, v128.load(pCb + o))));
        v128.store(outCr + o, f32x4.add(v128.load(outCr + o), f32x4.mul(w, v128.load(pCr + o))));
        v128.store(sums + o, f32x4.add(v128.load(sums + o), w));
      }
    }
    for (let x = 1; x < inside; x += 4) {
      const o = start + (<usize>x << 2);
      const sw = v128.load(sums + o);
      v128.store(outY + o, f32x4.div(v128.load(outY + o), sw));
      v128.store(outCb + o, f32x4.div(v128.load(outCb + o), sw));
      v128.store(outCr + o, f32x4.div(v128.load(outCr + o), sw));
    }
    for (let x = inside; x < last; x++) pixel(curY, curCb, curCr, table, base, n, inv9, outY, outCb, outCr, start + (<usize>x << 2), up, down, -4, 4);
  }
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
