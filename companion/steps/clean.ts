// Removes compression damage and noise, in four passes over Y'CbCr planes:
//  1. deblocking on the codec's block grid (found per frame from where small steps peak),
//     removing steps that look like quantisation as ramps, 8x8 and 4x4;
//  2. shifted-block DCT shrinkage (the idea of spp) of luma and chroma, thresholded at the
//     measured noise, off the codec grid;
//  3. a motion-compensated temporal average: hierarchical block matching against the
//     neighbouring frames (and the previous output, recursively), bicubic compensation,
//     each match weighted by its 3x3 patch difference against the measured noise, so
//     mismatches and occlusions fall back to the current frame (no ghosts, no smear);
//  4. luma- and colour-guided chroma smoothing (4:2:0 blotches, colour bleeding).
// Passes 1 and 2 run on each frame as it comes in, so the frames are matched and averaged
// shrunk: a coefficient near the threshold, kept in one frame and dropped in the next, made
// still areas boil when the shrinkage came after the average, which now smooths it out.
//
//   light   ±1 frame, 8x8 deblocking, 2 DCT grids, gentle thresholds
//   medium  ±2 frames, 8x8 + 4x4 deblocking, 4 DCT grids
//   strong  ±3 frames, firmer deblocking and weights, 8 DCT grids, higher thresholds
import { type CleanStep, CleanStepSchema } from '../../src/protocol/recipe.js';
import { allDone, inBands } from '../pipeline/frames.js';
import type { WorkerPool } from '../pipeline/workers.js';
import { SimdArena } from '../simd/arena.js';
import { type DeblockParams, guideChromaScratch, type Planes, type Pyramid } from './clean-kernels.js';
import type { Frame, StepDefinition, StepInstance } from './step.js';
import { slidingWindow } from './window.js';

const KERNEL = new URL('./clean-kernels.js', import.meta.url).href;
/** Largest squared difference (8-bit units²) taken as noise. */
const NOISE_CAP = 64;
/** The first estimate is trusted only up to this; it grows from there over a few frames. */
const NOISE_START = 16;
/**
 * A neighbour whose median match difference exceeds this many times the noise is another
 * scene (a cut, a flash) and is left out whole; only then can the patch weights be wide
 * enough for compression noise, which is sparse and heavy-tailed, without bleeding across cuts.
 */
const SCENE_GATE = 4;

/**
 * Heavy blocking (JPEG-like, or video coded far below its needs) puts the picture's small
 * steps on the block grid many times as often as elsewhere: measured lift 9-19 for JPEG q14,
 * 0.5-1.7 for x264 crf 20-42 and for sharp synthetic detail. There the DCT threshold's floor
 * rises with it, up to 3×, where the blocks are the damage, not the picture.
 */
export const blockingBoost = (lift: number): number => Math.min(3, Math.max(1, lift / 3));

/**
 * How plainly the footage shows its block grid: 0 below lift 0.15, 1 from 0.3. Good footage
 * holds faint real texture that firmer thresholds would take: ungated, the flat threshold
 * cost 0.15-0.19 dB on crf-20 photographic clips (lift 0-0.12), where compressed ones
 * (0.23-0.77) gained.
 */
export const gridShows = (lift: number): number => Math.min(1, Math.max(0, (lift - 0.15) / 0.15));

/**
 * The lift the thresholds use is the median of the last this many frames'. An intra-coded
 * frame shows its grid more plainly than the frames predicted from it (x264 crf 20: 0.5-0.6
 * against 0-0.2), though it is no worse; a running average starting from one took good
 * footage's first ten frames for damaged (medium on the crf-20 pan: 0.365 dB, now 0.485).
 */
const LIFT_FRAMES = 11;

/** The lower median: the lesser middle value of an even count. */
function lowerMedian(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[(sorted.length - 1) >> 1] ?? 0;
}

export interface CleanSettings {
  /** Frames each side that are averaged in. */
  radius: number;
  /** Quarter-resolution search range (×4 pixels) around zero and the predicted vector. */
  search: number;
  /** Neighbour weight at zero difference, by distance 1, 2, 3. */
  base: number[];
  /**
   * Weight falloff: h² = hScale × the clip's measured temporal noise, at least hFloor. A
   * right match's squared difference is about the noise, so hScale 4 keeps it at weight 0.78,
   * and half that at 3.8x the noise; at 32 (before) noisy footage smeared: a pan with sensor
   * noise gained 3.7 dB at medium, now 6.4. Compression noise, sparse, measures low: hFloor.
   */
  hScale: number;
  hFloor: number;
  /** Deblocking threshold: deblock × the measured grid step (8-bit units), clamped. */
  deblock: number;
  deblock4: boolean;
  /** Luma difference (8-bit units) that halves a sample's say in luma-guided chroma cleaning; 0 turns it off. */
  chroma: number;
  /** The same for the colour difference itself (Cb/Cr, 8-bit units); 0 ignores colour. */
  chromaColour: number;
  /** Weight of the previous output (motion-compensated): a recursive average that calms still areas over many frames. */
  recursive: number;
  /** Spatial DCT shrinkage of each frame as it comes in, before the temporal average: threshold = shrink × the plane's measured noise σ (at least the floor), over `shifts` block grids for luma and half as many for chroma; shrink 0 turns it off. */
  shrink: number;
  shrinkFloor: number;
  /** The floor once the footage shows its block grid (gridShows): compression noise that the noise measures, which look at fine detail, do not see. */
  shrinkFloorDamaged: number;
  shifts: number;
  /** The threshold is also at least shrinkTemporal × √(the temporal noise: median squared difference to the ±1 frames' matches, as estimated so far). */
  shrinkTemporal: number;
  /** In flat blocks (see dctShrink) the threshold is at least shrinkFlat × the floor, once the footage shows its block grid. */
  shrinkFlat: number;
}

export const CLEAN_SETTINGS: Record<CleanStep['strength'], CleanSettings> = {
  light: { radius: 1, search: 3, base: [0.8], hScale: 4, hFloor: 32, deblock: 3, deblock4: false, chroma: 3, chromaColour: 4, recursive: 1, shrink: 2, shrinkFloor: 1.5, shrinkFloorDamaged: 1.5, shifts: 2, shrinkTemporal: 0.5, shrinkFlat: 3 },
  medium: { radius: 2, search: 3, base: [1, 0.8], hScale: 4, hFloor: 40, deblock: 4, deblock4: true, chroma: 4, chromaColour: 6, recursive: 2, shrink: 3, shrinkFloor: 1.5, shrinkFloorDamaged: 3.5, shifts: 4, shrinkTemporal: 1, shrinkFlat: 4 },
  strong: { radius: 3, search: 3, base: [1, 0.9, 0.7], hScale: 4, hFloor: 48, deblock: 6, deblock4: true, chroma: 6, chromaColour: 8, recursive: 3, shrink: 3.5, shrinkFloor: 3, shrinkFloorDamaged: 3, shifts: 8, shrinkTemporal: 2, shrinkFlat: 3 },
};

interface Slot {
  planes: Planes;
  pyramid: Pyramid;
}

function newSlot(arena: SimdArena, width: number, height: number): Slot {
  const y = arena.floats(width * height);
  return {
    planes: { y, cb: arena.floats(width * height), cr: arena.floats(width * height) },
    pyramid: { y, yu: arena.uint16s(width * height), y1: arena.uint16s((width >> 1) * (height >> 1)), y2: arena.uint16s((width >> 2) * (height >> 2)) },
  };
}

/**
 * Finds the block grid from gridSteps' profile of one axis: the phase whose steps peak
 * most often, how much more often than elsewhere (`lift`, 0 without a grid), and the
 * typical size of its peaks beyond the steps beside them (8-bit units) on the 8 and 4 grids.
 */
export function gridFrom(sums: number[]): { phase: number; lift: number; e8: number; e4: number } {
  const rate = Array.from({ length: 8 }, (_, p) => (sums[16 + p]! > 0 ? sums[p]! / sums[16 + p]! : 0));
  const size = Array.from({ length: 8 }, (_, p) => (sums[16 + p]! > 0 ? sums[8 + p]! / sums[16 + p]! : 0));
  const liftAt = (phase: number) => {
    const others = [1, 2, 3, 5, 6, 7].map((d) => (phase + d) & 7);
    const base = others.reduce((s, p) => s + rate[p]!, 0) / others.length;
    return { base, lift: base > 0 ? rate[phase]! / base - 1 : 0 };
  };
  // Codecs code whole frames, so the grid starts at 0; another phase (a cropped or
  // shifted picture) must stand out clearly to be believed.
  let phase = 0;
  let best = liftAt(0).lift;
  if (best < 0.25) {
    for (let p = 1; p < 8; p++) {
      const l = liftAt(p).lift;
      if (l > 1 && l > best) {
        best = l;
        phase = p;
      }
    }
  }
  const { base: baseRate, lift } = liftAt(phase);
  const four = (phase + 4) & 7;
  const lift4 = baseRate > 0 ? rate[four]! / baseRate - 1 : 0;
  return {
    phase,
    lift,
    e8: lift > 0.25 ? size[phase]! / Math.max(rate[phase]!, 1e-6) : 0,
    e4: lift > 0.25 && lift4 > 0.2 ? size[four]! / Math.max(rate[four]!, 1e-6) : 0,
  };
}

/** Runs `fn` in bands, each band's arguments from `args(band)` (with its pixel range after them), and adds up what they return. */
async function sumBands(pool: WorkerPool, fn: string, width: number, height: number, args: (band: number) => unknown[]): Promise<number[]> {
  const bands = Math.min(pool.size, height);
  const jobs: Promise<number[]>[] = [];
  for (let b = 0; b < bands; b++) {
    const first = Math.floor((height * b) / bands) * width;
    const end = Math.floor((height * (b + 1)) / bands) * width;
    jobs.push(pool.run<number[]>(KERNEL, fn, [...args(b), first, end]));
  }
  const parts = await allDone(jobs);
  return parts[0]!.map((_, i) => parts.reduce((s, p) => s + p[i]!, 0));
}

/** The clean step for frames of one size; exported for the tests and the quality harness. */
export function createClean(strength: CleanStep['strength'], width: number, height: number, workers: WorkerPool, frames = Infinity): StepInstance {
  const s = CLEAN_SETTINGS[strength];
  // Tiny pictures have no room for block matching, and a single frame has no neighbours.
  const radius = width >= 32 && height >= 32 && frames > 1 ? s.radius : 0;
  const size = 2 * radius + 1;
  // Every plane lives in one arena, where the SIMD kernels reach it.
  const arena = SimdArena.take();
  // One slot more than the window when the next frame comes in while this one is cleaned.
  const overlap = radius > 0;
  const slots: Slot[] = Array.from({ length: size + (overlap ? 1 : 0) }, () => newSlot(arena, width, height));
  const slotOf = (t: number) => slots[t % slots.length]!;
  const bw = Math.ceil(width / 8);
  const bh = Math.ceil(height / 8);
  // One field per neighbour offset, reused from frame to frame as the predictor.
  const offsets = Array.from({ length: 2 * radius }, (_, i) => (i < radius ? i - radius : i - radius + 1));
  const fields = offsets.map(() => arena.floats(bw * bh * 2));
  const haveField = offsets.map(() => false);
  const planes = (n = width * height): Planes => ({ y: arena.floats(n), cb: arena.floats(n), cr: arena.floats(n) });
  // The temporal average's buffers; a single frame (a preview) needs none, and zero-filling
  // them took longer than cleaning it.
  const temporal = radius > 0 ? width * height : 0;
  const preds = offsets.map(() => planes());
  const diffs = offsets.map(() => arena.floats(width * height));
  // The median of each neighbour's squared difference, taken by the workers after its warp.
  const medians = offsets.map(() => 0);
  let fused = planes(temporal);
  const weightSums = arena.floats(temporal);
  // The shrinkage's output, which then trades places with the frame's own planes.
  let shrunk = planes();
  // The previous output, its motion-compensated copy and difference, for the recursive part.
  let previous = planes(temporal);
  const previousPred = planes(temporal);
  const previousDiff = arena.floats(temporal);
  // Blend's list of matches (their plane addresses) and weights.
  const matches = arena.uint32s(4 * size);
  const weights = arena.floats(size);
  // The rgb48 pictures where the kernels reach them: a frame on its way in (rgbToYcc), and
  // the output on its way out (guideChroma), at the same time.
  const stagingIn = arena.uint16s(width * height * 3);
  const stagingOut = overlap ? arena.uint16s(width * height * 3) : stagingIn;
  // Kernels' scratch, one per band of each kernel that runs beside others, each on cache
  // lines of its own: two workers writing one line would take turns at it.
  const scratch = (n: number) =>
    Array.from({ length: workers.size }, () => {
      const a = arena.floats(Math.ceil(n / 16) * 16 + 16);
      const skip = ((64 - (a.byteOffset % 64)) % 64) / 4;
      return a.subarray(skip, skip + n);
    });
  // dctShrink's blocks, for the three planes side by side; warp's block placements, for the
  // neighbours and the previous output; guideChroma's weight rows.
  const blocks = ['y', 'cb', 'cr'].map(() => scratch(64));
  const places = [...offsets, 0].map(() => scratch(8 * bw));
  const chromaWeights = scratch(guideChromaScratch(width));
  // gridSteps' sums, one set per band and axis.
  const gridSums = Array.from({ length: 2 * workers.size }, () => arena.float64s(24));
  let previousIs = -1;
  const pending: Frame[] = [];
  /** Running estimate of the temporal noise (mean squared error of ±1 matches). */
  let noise = -1;
  /** How strongly each recent frame's steps sit on the block grid (gridFrom's lift, the lesser axis). */
  const recentLifts: number[] = [];

  const band = (fn: string, head: unknown[], tail: unknown[] | ((band: number) => unknown[]) = []) => inBands(workers, KERNEL, fn, width, height, head, tail);

  async function ingest(frame: Frame, index: number): Promise<void> {
    // The noise as the frames released before this one left it: releases run beside this.
    const noiseNow = noise;
    const slot = slotOf(index);
    const { y, cb, cr } = slot.planes;
    await band('rgbToYcc', [arena.memory, frame.data, stagingIn, y, cb, cr]);
    const [h, v] = await allDone([
      sumBands(workers, 'gridSteps', width, height, (b) => [arena.memory, y, width, height, true, gridSums[2 * b]]),
      sumBands(workers, 'gridSteps', width, height, (b) => [arena.memory, y, width, height, false, gridSums[2 * b + 1]]),
    ]);
    const gx = gridFrom(h);
    const gy = gridFrom(v);
    const e8 = (gx.e8 + gy.e8) / 2;
    const e4 = (gx.e4 + gy.e4) / 2;
    recentLifts.push(Math.min(gx.lift, gy.lift));
    if (recentLifts.length > LIFT_FRAMES) recentLifts.shift();
    const lift = lowerMedian(recentLifts);
    const t = (e: number) => (e > 0.08 ? Math.min(24, Math.max(2, s.deblock * e + 1.5)) : 0);
    const params: DeblockParams = { phaseX: gx.phase, phaseY: gy.phase, t8: t(e8), t4: s.deblock4 ? t(e4) : 0, tc: t(e8) * 0.75 };
    if (params.t8 > 0 || params.t4 > 0) {
      await band('deblockRows', [arena.memory, slot.planes, width, params]);
      await band('deblockColumns', [arena.memory, slot.planes, width, height, params, false]);
      if (params.t4 > 0) await band('deblockColumns', [arena.memory, slot.planes, width, height, params, true]);
    }
    if (s.shrink > 0) await shrink(slot, lift, noiseNow);
    if (radius > 0) await band('buildPyramid', [arena.memory, slot.pyramid, width, height]);
    pending.push(frame);
  }

  /** DCT shrinkage of a frame's planes, at thresholds from the measured noise and blocking. */
  async function shrink(slot: Slot, blocking: number, temporalNoise: number): Promise<void> {
    const planes = ['y', 'cb', 'cr'] as const;
    // The planes' noise, measured by the workers side by side.
    const levels = await allDone(planes.map((p) => workers.run<number>(KERNEL, 'dctNoise', [slot.planes[p], width, height])));
    const shows = gridShows(blocking);
    const floor = s.shrinkFloor + (s.shrinkFloorDamaged - s.shrinkFloor) * shows;
    const thresholds = levels.map((level) => Math.max(floor * blockingBoost(blocking), s.shrink * level, s.shrinkTemporal * Math.sqrt(Math.max(0, temporalNoise))));
    // The three planes side by side; chroma is half resolution underneath, so half the grids do.
    await allDone(
      planes.map((p, k) =>
        band(
          'dctShrink',
          [arena.memory, slot.planes[p], shrunk[p], width, height, thresholds[k], p === 'y' ? s.shifts : Math.max(1, s.shifts >> 1), floor * (1 + (s.shrinkFlat - 1) * shows)],
          (b) => [blocks[k]![b]],
        ),
      ),
    );
    [slot.planes, shrunk] = [shrunk, slot.planes];
    slot.pyramid.y = slot.planes.y;
  }

  /** Motion from frame t to its neighbour at offset o (field i), and the neighbour moved onto it (preds[i], diffs[i]). */
  async function match(t: number, o: number, i: number): Promise<void> {
    const nearer = offsets.indexOf(o - Math.sign(o));
    let pred: Float32Array | null = haveField[i] ? fields[i]! : null;
    let scale = 1;
    if (Math.abs(o) > 1 && nearer >= 0 && haveField[nearer]) {
      // The nearer field, scaled out to this distance, is the predictor.
      pred = fields[nearer]!;
      scale = o / (o - Math.sign(o));
    }
    const cur = slotOf(t);
    const ref = slotOf(t + o);
    // Scaled out from this frame's nearer field, the predictor is all but right: refining
    // each block's own vector by ±1 at full resolution (search 0) finds what a search did
    // (quality clips within 0.002 dB at medium, 0.005 at strong) in less time: a 1080p
    // search takes 5.0 ms so, 7.6 with a ±1 window at every level, 11 with the full window.
    const search = Math.abs(o) > 1 && pred ? 0 : s.search;
    await band('estimateMotion', [arena.memory, cur.pyramid, ref.pyramid, width, height, pred, scale, fields[i], search]);
    haveField[i] = true;
    await allDone([
      band('warp', [arena.memory, cur.planes, ref.planes, fields[i], width, height, preds[i], diffs[i]], (b) => [places[i]![b]]).then(async () => {
        medians[i] = await workers.run<number>(KERNEL, 'sampledMedian', [diffs[i]]);
      }),
      // The previous output, moved the same way, for the recursive part of the average.
      ...(o === -1 && recursive(t) ? [band('warp', [arena.memory, cur.planes, previous, fields[i], width, height, previousPred, previousDiff], (b) => [places[offsets.length]![b]])] : []),
    ]);
  }

  /** Whether frame t's average takes in the previous output (if its neighbour before is used). */
  const recursive = (t: number) => s.recursive > 0 && previousIs === t - 1;

  async function emit(t: number, nextIn: number): Promise<Frame> {
    const frame = pending.shift()!;
    const cur = slotOf(t);
    const used: number[] = [];
    const base: number[] = [];
    // Nearest neighbours first, so farther ones can start from their vectors; the two at one
    // distance side by side, so the workers share their kernels' jobs (fewer waits between them).
    for (let distance = 1; distance <= radius; distance++) {
      const pair = [-distance, distance].map((o) => ({ o, i: offsets.indexOf(o) })).filter(({ o }) => t + o >= 0 && t + o < nextIn);
      await allDone(pair.map(({ o, i }) => match(t, o, i)));
      for (const { i } of pair) {
        const median = medians[i]!;
        if (distance === 1) {
          // A cut or a flash is not noise: the estimate ignores jumps and is capped (σ 8).
          const m = Math.min(NOISE_CAP, median);
          if (noise < 0) noise = Math.min(m, NOISE_START);
          else if (m < 4 * noise + 4) noise = 0.8 * noise + 0.2 * m;
        }
        // Across a cut or a flash most of the picture fails to match: that frame is another scene.
        if (median > SCENE_GATE * Math.max(noise, 4)) continue;
        used.push(i);
        base.push(s.base[distance - 1]!);
      }
    }
    let result = cur.planes;
    if (used.length > 0) {
      const predList = used.map((i) => preds[i]!);
      const diffList = used.map((i) => diffs[i]!);
      const back = offsets.indexOf(-1);
      if (recursive(t) && used.includes(back)) {
        predList.push(previousPred);
        diffList.push(previousDiff);
        base.push(s.recursive);
      }
      predList.forEach((q, k) => matches.set([q.y.byteOffset, q.cb.byteOffset, q.cr.byteOffset, diffList[k]!.byteOffset], 4 * k));
      weights.set(base);
      const h2 = Math.max(s.hFloor, s.hScale * Math.max(0, noise));
      await band('blend', [arena.memory, cur.planes, matches, weights, predList.length, h2, width, height, fused, weightSums]);
      // The average becomes the previous output; the old one's planes take the next average.
      [previous, fused] = [fused, previous];
      previousIs = t;
      result = previous;
    }
    await band('guideChroma', [arena.memory, result, s.chroma, s.chromaColour, width, height, stagingOut, frame.data], (b) => [chromaWeights[b]]);
    return frame;
  }

  let open = true;
  const giveBack = () => {
    if (open) arena.giveBack();
    open = false;
  };
  return slidingWindow('clean', width, height, radius, { take: ingest, release: emit, close: giveBack, overlap });
}

export const cleanStep: StepDefinition<CleanStep> = {
  op: 'clean',
  options: CleanStepSchema,
  describe: (o) => `clean ${o.strength}`,
  create: async (options, context) => createClean(options.strength, context.width, context.height, context.workers, context.frames),
};
