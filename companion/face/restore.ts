// Face restoration over a sequence of frames: detect → track → align → restore → match colour →
// smooth over time → paste back. What is pasted is the restoration's change to the aligned crop
// (restored − original), warped back under the soft face mask: where the network changes
// nothing the frame keeps its own pixels exactly, and the crop is resampled only once.
import type { Frame } from '../steps/step.js';
import type { Planar } from '../models/tiling.js';
import { alignment, frameScale, type Affine } from './align.js';
import { matchColour } from './colour.js';
import type { FaceDetector } from './detect.js';
import { faceMask } from './mask.js';
import type { Restorer } from './restorer.js';
import { FaceTracker, type TrackerOptions } from './tracker.js';
import { pasteDelta, warpToCrop } from './warp.js';

export interface RestoreOptions {
  /** How much of the restoration reaches the frame (0..1). */
  strength: number;
  /** Match the restored face's colour to the original's (default true). */
  colourMatch?: boolean;
  /** Blend with the previous frame's restoration where the face changed little (default true). */
  temporal?: boolean;
  tracker?: Partial<TrackerOptions>;
}

/** The previous frame's restoration is blended in with at most this weight... */
const MAX_BLEND = 0.5;
/** ...falling to 0 when the aligned face changed by this much (mean absolute difference under the mask, 0..1). */
const CHANGE_LIMIT = 0.04;

interface Previous {
  original: Planar;
  delta: Float32Array;
}

export interface RestoreStats {
  frames: number;
  /** Frames in which at least one face was restored. */
  framesWithFaces: number;
  /** Face restorations over all frames. */
  faces: number;
  /** Distinct tracked faces. */
  tracks: number;
}

/** Mean absolute difference of two crops under a mask. */
export function maskedChange(a: Planar, b: Planar, mask: Float32Array): number {
  const plane = mask.length;
  let sum = 0;
  let weight = 0;
  for (let i = 0; i < plane; i++) {
    const m = mask[i]!;
    if (m <= 0) continue;
    const d = Math.abs(a.data[i]! - b.data[i]!) + Math.abs(a.data[plane + i]! - b.data[plane + i]!) + Math.abs(a.data[2 * plane + i]! - b.data[2 * plane + i]!);
    sum += m * d;
    weight += 3 * m;
  }
  return weight > 0 ? sum / weight : 0;
}

/** How much of the previous frame's restoration to keep for a face that changed by `change`. */
export function blendWeight(change: number): number {
  return MAX_BLEND * Math.max(0, 1 - change / CHANGE_LIMIT);
}

export class FaceRestoration {
  private readonly tracker: FaceTracker;
  private readonly previous = new Map<number, Previous>();
  private readonly ids = new Set<number>();
  readonly stats: RestoreStats = { frames: 0, framesWithFaces: 0, faces: 0, tracks: 0 };

  constructor(
    private readonly detector: FaceDetector,
    private readonly restorer: Restorer,
    private readonly options: RestoreOptions,
  ) {
    this.tracker = new FaceTracker(options.tracker);
  }

  /** Restores the faces in one frame, in place; frames must come in order. */
  async process(frame: Frame): Promise<void> {
    this.stats.frames++;
    if (this.options.strength <= 0) return;
    const faces = this.tracker.update(await this.detector.detect(frame));
    const size = this.restorer.size;
    const mask = faceMask(size);
    // Every crop is taken before anything is pasted, so overlapping faces see the same frame.
    const crops = faces.map((face) => {
      const toCrop: Affine = alignment(face.landmarks, size);
      return { face, toCrop, original: warpToCrop(frame, toCrop, size) };
    });
    const pastes: { toCrop: Affine; delta: Planar; weight: number }[] = [];
    for (const { face, toCrop, original } of crops) {
      const restored = await this.restorer.restore(original, size * frameScale(toCrop));
      if (this.options.colourMatch !== false) matchColour(restored, original, mask);
      const delta = restored.data;
      for (let i = 0; i < delta.length; i++) delta[i]! -= original.data[i]!;
      const before = this.previous.get(face.id);
      if (this.options.temporal !== false && before) {
        const w = blendWeight(maskedChange(original, before.original, mask));
        if (w > 0) for (let i = 0; i < delta.length; i++) delta[i] = (1 - w) * delta[i]! + w * before.delta[i]!;
      }
      this.previous.set(face.id, { original, delta });
      pastes.push({ toCrop, delta: restored, weight: this.options.strength * face.presence });
      this.ids.add(face.id);
    }
    for (const p of pastes) pasteDelta(frame, p.delta, mask, p.toCrop, p.weight);
    for (const id of this.previous.keys()) if (!faces.some((f) => f.id === id)) this.previous.delete(id);
    if (faces.length > 0) this.stats.framesWithFaces++;
    this.stats.faces += faces.length;
    this.stats.tracks = this.ids.size;
  }
}
