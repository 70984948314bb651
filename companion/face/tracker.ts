// Tracks faces across frames: detections are matched to tracks by box overlap, landmarks are
// smoothed with an adaptive alpha-beta filter (calm while a face is still or moves steadily,
// quick when it starts, stops or jumps), and a face that is missed for a frame or two coasts on its last motion while it
// fades out, so the restoration neither jitters nor pops.
import type { FivePoints, Point } from './align.js';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Detection {
  box: Box;
  score: number;
  landmarks: FivePoints;
}

export interface TrackedFace {
  id: number;
  box: Box;
  /** Smoothed landmarks. */
  landmarks: FivePoints;
  /** How much of the restoration to apply: ramps up over a few frames when a face appears, down when it is lost. */
  presence: number;
  /** Whether a detection matched this frame (false while coasting). */
  detected: boolean;
}

export interface TrackerOptions {
  /** Filter gain while landmarks agree with the prediction (lower = smoother). */
  gain: number;
  /** Prediction error, in inter-ocular distances, at which the gain has doubled (it grows with its square). */
  surprise: number;
  /** Smallest box overlap (intersection over union) that continues a track. */
  minIou: number;
  /** Frames a face takes to fade in (after the first frame) and to fade out. */
  ramp: number;
}

export const DEFAULT_TRACKER: TrackerOptions = { gain: 0.15, surprise: 0.06, minIou: 0.3, ramp: 3 };

/**
 * A critically damped alpha-beta filter over a vector (position and velocity, one sample per
 * frame): it predicts each frame from the last velocity, so steady motion has no lag, and its
 * gain rises with the prediction error, so a face that starts, stops or jumps is followed at
 * once while landmark noise on a steady face is averaged away. One gain for all coordinates:
 * the face moves as a whole, and a shared gain keeps its shape.
 */
export class LandmarkFilter {
  private value: number[] | undefined;
  private velocity: number[] = [];

  constructor(private readonly options: Pick<TrackerOptions, 'gain' | 'surprise'>) {}

  /** Filters the next sample; `scale` (the inter-ocular distance) makes errors size-free. */
  next(sample: readonly number[], scale: number): number[] {
    if (!this.value) {
      this.value = [...sample];
      this.velocity = sample.map(() => 0);
      return [...this.value];
    }
    const predicted = this.value.map((x, i) => x + this.velocity[i]!);
    const residual = sample.map((x, i) => x - predicted[i]!);
    const rms = Math.sqrt(residual.reduce((s, r) => s + r * r, 0) / residual.length) / scale;
    const a = Math.min(0.9, this.options.gain * (1 + (rms / this.options.surprise) ** 2));
    const b = (a * a) / (2 - a);
    this.value = predicted.map((x, i) => x + a * residual[i]!);
    this.velocity = this.velocity.map((v, i) => v + b * residual[i]!);
    return [...this.value];
  }

  /** The mean velocity of the (x, y) pairs: how far the whole face is expected to move next frame. */
  drift(): { dx: number; dy: number } {
    let dx = 0;
    let dy = 0;
    for (let i = 0; i < this.velocity.length; i += 2) {
      dx += this.velocity[i]!;
      dy += this.velocity[i + 1]!;
    }
    const n = Math.max(1, this.velocity.length / 2);
    return { dx: dx / n, dy: dy / n };
  }

  /** The value carried one frame on at its velocity (for a missed detection). */
  coast(): number[] | undefined {
    if (!this.value) return undefined;
    this.value = this.value.map((x, i) => x + this.velocity[i]!);
    return [...this.value];
  }
}

export function iou(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

function flatten(points: readonly Point[]): number[] {
  return points.flatMap((p) => [p.x, p.y]);
}

function unflatten(values: number[]): FivePoints {
  return Array.from({ length: 5 }, (_, i) => ({ x: values[2 * i]!, y: values[2 * i + 1]! })) as FivePoints;
}

function eyeDistance(points: readonly Point[]): number {
  return Math.max(1, Math.hypot(points[1]!.x - points[0]!.x, points[1]!.y - points[0]!.y));
}

interface Track {
  id: number;
  filter: LandmarkFilter;
  face: TrackedFace;
}

export class FaceTracker {
  private tracks: Track[] = [];
  private nextId = 1;
  private frames = 0;
  private readonly options: TrackerOptions;

  constructor(options: Partial<TrackerOptions> = {}) {
    this.options = { ...DEFAULT_TRACKER, ...options };
  }

  /** Takes the next frame's detections; returns every live track (detected or coasting). */
  update(detections: readonly Detection[]): TrackedFace[] {
    const step = 1 / this.options.ramp;
    const pairs: { track: Track; detection: number; overlap: number }[] = [];
    for (const track of this.tracks) {
      // Matched where the face is expected to be now, so a fast move is not taken for a new face.
      const { dx, dy } = track.filter.drift();
      const expected = { ...track.face.box, x: track.face.box.x + dx, y: track.face.box.y + dy };
      detections.forEach((d, i) => {
        const overlap = iou(expected, d.box);
        if (overlap >= this.options.minIou) pairs.push({ track, detection: i, overlap });
      });
    }
    pairs.sort((p, q) => q.overlap - p.overlap);
    const matched = new Map<Track, number>();
    const used = new Set<number>();
    for (const p of pairs) {
      if (matched.has(p.track) || used.has(p.detection)) continue;
      matched.set(p.track, p.detection);
      used.add(p.detection);
    }
    const live: Track[] = [];
    for (const track of this.tracks) {
      const index = matched.get(track);
      if (index !== undefined) {
        const d = detections[index]!;
        const smoothed = unflatten(track.filter.next(flatten(d.landmarks), eyeDistance(track.face.landmarks)));
        track.face = { id: track.id, box: d.box, landmarks: smoothed, presence: Math.min(1, track.face.presence + step), detected: true };
        live.push(track);
        continue;
      }
      const presence = track.face.presence - step;
      if (presence <= 1e-9) continue;
      const { dx, dy } = track.filter.drift();
      const coasted = unflatten(track.filter.coast()!);
      const box = { ...track.face.box, x: track.face.box.x + dx, y: track.face.box.y + dy };
      track.face = { id: track.id, box, landmarks: coasted, presence, detected: false };
      live.push(track);
    }
    detections.forEach((d, i) => {
      if (used.has(i)) return;
      const filter = new LandmarkFilter(this.options);
      const landmarks = unflatten(filter.next(flatten(d.landmarks), eyeDistance(d.landmarks)));
      // Faces in the first frame are there from the start; later ones fade in.
      const presence = this.frames === 0 ? 1 : step;
      const track: Track = { id: this.nextId++, filter, face: { id: 0, box: d.box, landmarks, presence, detected: true } };
      track.face.id = track.id;
      live.push(track);
    });
    this.tracks = live;
    this.frames++;
    return live.map((t) => t.face);
  }
}
