// Removes frame-to-frame brightness pumping, for the whole frame and region by region.
//
// Each frame is reduced to a thumbnail (about 128 pixels wide) of mean luma, cut into a
// grid of cells (about 16 across). For frame t and every neighbour t+k in a window of
// ±radius frames inside the same shot, each cell is matched in the neighbour's thumbnail
// (block matching on mean-removed log luma, so flicker does not disturb it), which gives the
// cell's log-brightness trajectory along the motion. The reference brightness is the
// trajectory's robust temporal average (a line fit, so fades stay where they are), and the
// frame is multiplied by the gain that moves each cell onto it, interpolated smoothly
// between cell centres. Cuts are detected from the cell pattern (gain-invariant
// correlation) and end the window, so a cut keeps its brightness; mismatched cells
// (occlusions, new content) get little weight and fall back to the frame-wide correction.
import { type DeflickerStep, DeflickerStepSchema } from '../../src/protocol/recipe.js';
import { inBands } from '../pipeline/frames.js';
import type { WorkerPool } from '../pipeline/workers.js';
import type { Frame, StepDefinition, StepInstance } from './step.js';
import { slidingWindow } from './window.js';

const KERNEL = new URL('./deflicker-kernels.js', import.meta.url).href;
const CELL = 8;
const MAX_LOG_GAIN = 0.7;
/** Correlation of consecutive cell patterns below which a cut is declared. */
export const CUT_CORRELATION = 0.55;

export interface Geometry {
  factor: number;
  tw: number;
  th: number;
  cell: number;
  gw: number;
  gh: number;
}

export function geometry(width: number, height: number): Geometry {
  const factor = Math.max(1, Math.floor(width / 128));
  const tw = Math.max(1, Math.floor(width / factor));
  const th = Math.max(1, Math.floor(height / factor));
  const cell = Math.max(1, Math.min(CELL, tw, th));
  return { factor, tw, th, cell, gw: Math.max(1, Math.floor(tw / cell)), gh: Math.max(1, Math.floor(th / cell)) };
}

/** Log of each cell's mean luma. */
export function cellLogMeans(thumb: Float32Array, g: Geometry): Float32Array {
  const out = new Float32Array(g.gw * g.gh);
  for (let j = 0; j < g.gh; j++) {
    for (let i = 0; i < g.gw; i++) {
      let s = 0;
      for (let y = 0; y < g.cell; y++) for (let x = 0; x < g.cell; x++) s += thumb[(j * g.cell + y) * g.tw + i * g.cell + x]!;
      out[j * g.gw + i] = Math.log(s / (g.cell * g.cell) + 1);
    }
  }
  return out;
}

/** Pearson correlation of two cell patterns; 1 for identical up to gain, offset or gamma. */
export function patternCorrelation(a: Float32Array, b: Float32Array): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  // Two flat pictures: the same scene unless their brightness jumps a lot.
  if (saa < 1e-4 || sbb < 1e-4) return Math.abs(ma - mb) < 0.4 ? 1 : 0;
  return sab / Math.sqrt(saa * sbb);
}

interface Match {
  /** Per cell: log-brightness here minus at the match in the neighbour. */
  d: Float32Array;
  /** Per cell: mean absolute mean-removed difference at the match (8-bit units). */
  cost: Float32Array;
  /** Per cell: the displacement found, in thumbnail pixels (x, y). */
  v: Int16Array;
}

/**
 * Thumbnail luma as 100·ln(1 + v): a gain becomes an offset, which the mean removal in
 * matchCells cancels, so strong flicker does not make good matches look bad; one unit is
 * about one 8-bit step at mid-grey, so costs keep the scale of 8-bit differences.
 */
export function logThumbnail(thumb: Float32Array): Float32Array {
  const out = new Float32Array(thumb.length);
  for (let i = 0; i < thumb.length; i++) out[i] = 100 * Math.log1p(thumb[i]!);
  return out;
}

/** Matches each cell of log thumbnail `a` in `b` within ±search of `pred` (or of zero). */
export function matchCells(a: Float32Array, b: Float32Array, g: Geometry, search: number, pred: Int16Array | null): Match {
  const n = g.gw * g.gh;
  const d = new Float32Array(n);
  const cost = new Float32Array(n);
  const v = new Int16Array(2 * n);
  const c = g.cell;
  const area = c * c;
  for (let j = 0; j < g.gh; j++) {
    for (let i = 0; i < g.gw; i++) {
      const ox = i * c;
      const oy = j * c;
      let ma = 0;
      for (let y = 0; y < c; y++) for (let x = 0; x < c; x++) ma += a[(oy + y) * g.tw + ox + x]!;
      ma /= area;
      const cell = j * g.gw + i;
      const px = pred ? pred[2 * cell]! : 0;
      const py = pred ? pred[2 * cell + 1]! : 0;
      let best = Infinity;
      let bx = 0;
      let by = 0;
      let bm = ma;
      for (let dy = py - search; dy <= py + search; dy++) {
        if (oy + dy < 0 || oy + dy + c > g.th) continue;
        for (let dx = px - search; dx <= px + search; dx++) {
          if (ox + dx < 0 || ox + dx + c > g.tw) continue;
          let mb = 0;
          for (let y = 0; y < c; y++) {
            const row = (oy + dy + y) * g.tw + ox + dx;
            for (let x = 0; x < c; x++) mb += b[row + x]!;
          }
          mb /= area;
          let s = 0;
          for (let y = 0; y < c; y++) {
            const ra = (oy + y) * g.tw + ox;
            const rb = (oy + dy + y) * g.tw + ox + dx;
            for (let x = 0; x < c; x++) s += Math.abs(a[ra + x]! - ma - (b[rb + x]! - mb));
          }
          // Prefer small moves when the texture cannot tell.
          s = s / area + 0.02 * (Math.abs(dx) + Math.abs(dy));
          if (s < best) {
            best = s;
            bx = dx;
            by = dy;
            bm = mb;
          }
        }
      }
      if (best === Infinity) best = 255;
      d[cell] = (ma - bm) / 100;
      cost[cell] = best;
      v[2 * cell] = bx;
      v[2 * cell + 1] = by;
    }
  }
  return { d, cost, v };
}

/**
 * The log-gain per cell that moves frame t onto its reference brightness, from its matches
 * against neighbours at offsets k (any order, none zero); `lumaMeans` are its cells' log means.
 */
export function correction(matches: { k: number; m: Match }[], g: Geometry, local: boolean, lumaMeans: Float32Array): Float32Array {
  const n = g.gw * g.gh;
  const out = new Float32Array(n);
  if (matches.length === 0) return out;
  // Match quality scale: typical cost of the nearest neighbours. Matching in log luma makes
  // costs flicker-blind, so it takes a clear mismatch (an occlusion, new content) to lose weight.
  const near = matches.filter((x) => Math.abs(x.k) === 1).flatMap((x) => Array.from(x.m.cost));
  near.sort((a, b) => a - b);
  const sigma = Math.max(3, 4 * (near[near.length >> 1] ?? 1));
  const W = new Float32Array(n);
  const ybar = new Float32Array(n);
  const kbar = new Float32Array(n);
  const weights = matches.map(({ m }) => {
    const w = new Float32Array(n);
    for (let c = 0; c < n; c++) {
      const q = m.cost[c]! / sigma;
      // Near-black cells carry no usable ratio.
      w[c] = lumaMeans[c]! < Math.log(4) ? 0 : Math.exp(-q * q);
    }
    return w;
  });
  for (let c = 0; c < n; c++) {
    let sw = 1;
    let sy = 0;
    let sk = 0;
    matches.forEach(({ k, m }, idx) => {
      const w = weights[idx]![c]!;
      sw += w;
      sy -= w * m.d[c]!;
      sk += w * k;
    });
    W[c] = sw - 1;
    ybar[c] = sy / sw;
    kbar[c] = sk / sw;
  }
  // One slope (a fade, a light change) shared by the frame; used where it is significant.
  let sxy = 0;
  let sxx = 0;
  for (let c = 0; c < n; c++) {
    const k0 = kbar[c]!;
    const y0 = ybar[c]!;
    sxx += k0 * k0;
    sxy += k0 * y0;
    matches.forEach(({ k, m }, idx) => {
      const w = weights[idx]![c]!;
      sxx += w * (k - k0) * (k - k0);
      sxy += w * (k - k0) * (-m.d[c]! - y0);
    });
  }
  let slope = sxx > 0 ? sxy / sxx : 0;
  if (sxx > 0) {
    let res = 0;
    let count = 0;
    for (let c = 0; c < n; c++) {
      matches.forEach(({ k, m }, idx) => {
        const w = weights[idx]![c]!;
        const r = -m.d[c]! - ybar[c]! - slope * (k - kbar[c]!);
        res += w * r * r;
        count += w;
      });
    }
    // Flicker is shared by all cells, so the slope's error is judged per frame, not per cell.
    const se2 = res / Math.max(1, count) / Math.max(1e-9, sxx / Math.max(1, n));
    slope *= (slope * slope) / (slope * slope + 4 * se2 + 1e-12);
  }
  let gs = 0;
  let gw = 0;
  const raw = new Float32Array(n);
  for (let c = 0; c < n; c++) {
    raw[c] = ybar[c]! - slope * kbar[c]!;
    gs += W[c]! * raw[c]!;
    gw += W[c]!;
  }
  const global = gw > 0 ? gs / gw : 0;
  if (!local) {
    out.fill(Math.max(-MAX_LOG_GAIN, Math.min(MAX_LOG_GAIN, global)));
    return out;
  }
  // Cells with little support lean on the frame-wide value, then a 3x3 smoothing.
  const LAMBDA = 0.5;
  const shrunk = new Float32Array(n);
  for (let c = 0; c < n; c++) shrunk[c] = (W[c]! * raw[c]! + LAMBDA * global) / (W[c]! + LAMBDA);
  for (let j = 0; j < g.gh; j++) {
    for (let i = 0; i < g.gw; i++) {
      let s = 0;
      let w = 0;
      for (let dj = -1; dj <= 1; dj++) for (let di = -1; di <= 1; di++) {
        const jj = j + dj;
        const ii = i + di;
        if (jj < 0 || jj >= g.gh || ii < 0 || ii >= g.gw) continue;
        const ww = di === 0 && dj === 0 ? 2 : 1;
        s += ww * shrunk[jj * g.gw + ii]!;
        w += ww;
      }
      out[j * g.gw + i] = Math.max(-MAX_LOG_GAIN, Math.min(MAX_LOG_GAIN, s / w));
    }
  }
  return out;
}

interface Entry {
  /** The log thumbnail (logThumbnail). */
  thumb: Float32Array;
  cells: Float32Array;
  /** A cut lies between the previous frame and this one. */
  cut: boolean;
}

/** The deflicker step for frames of one size; exported for the tests and the quality harness. */
export function createDeflicker(options: Omit<DeflickerStep, 'op'>, width: number, height: number, workers: WorkerPool): StepInstance & { cuts(): number[] } {
  const g = geometry(width, height);
  const R = options.radius;
  const entries = new Map<number, Entry>();
  const pending: Frame[] = [];
  const cutsAt: number[] = [];
  const search = 2;

  async function emit(t: number, nextIn: number): Promise<Frame> {
    const frame = pending.shift()!;
    const here = entries.get(t)!;
    const ks: number[] = [];
    for (let j = 1; j <= R && t - j >= 0 && !entries.get(t - j + 1)!.cut; j++) ks.push(-j);
    for (let j = 1; j <= R && t + j < nextIn && !entries.get(t + j)!.cut; j++) ks.push(j);
    const matches: { k: number; m: Match }[] = [];
    for (const dir of [-1, 1]) {
      let pred: Int16Array | null = null;
      for (const k of ks.filter((x) => Math.sign(x) === dir)) {
        const m = matchCells(here.thumb, entries.get(t + k)!.thumb, g, search, pred);
        matches.push({ k, m });
        pred = m.v;
      }
    }
    const logGain = correction(matches, g, options.local, here.cells);
    entries.delete(t - R - 1);
    if (logGain.some((v) => v !== 0)) {
      await inBands(workers, KERNEL, 'applyGain', width, height, [frame.data, shared(logGain), g.gw, g.gh, g.cell * g.factor, g.cell * g.factor, width]);
    }
    return frame;
  }

  async function take(frame: Frame, index: number): Promise<void> {
    const thumb = new Float32Array(new SharedArrayBuffer(g.tw * g.th * 4));
    await inBands(workers, KERNEL, 'thumbnail', width, height, [frame.data, thumb, width, height, g.factor]);
    const cells = cellLogMeans(thumb, g);
    const prev = entries.get(index - 1);
    const cut = !!prev && patternCorrelation(prev.cells, cells) < CUT_CORRELATION;
    if (cut) cutsAt.push(index);
    entries.set(index, { thumb: logThumbnail(thumb), cells, cut });
    pending.push(frame);
  }

  return { ...slidingWindow('deflicker', width, height, R, { take, release: emit, overlap: true }), cuts: () => [...cutsAt] };
}

function shared(a: Float32Array): Float32Array {
  const s = new Float32Array(new SharedArrayBuffer(a.byteLength));
  s.set(a);
  return s;
}

export const deflickerStep: StepDefinition<DeflickerStep> = {
  op: 'deflicker',
  options: DeflickerStepSchema,
  describe: (o) => `deflicker ±${o.radius}${o.local ? '' : ' global'}`,
  create: async (options, context) => createDeflicker(options, context.width, context.height, context.workers),
};
