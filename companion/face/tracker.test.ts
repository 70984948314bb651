import { describe, expect, it } from 'vitest';
import { random } from '../../test/support/kernels.js';
import type { FivePoints } from './align.js';
import { type Detection, FaceTracker } from './tracker.js';

/** A face of eye distance ~60 px whose landmarks are centred near (cx, cy). */
function face(cx: number, cy: number, noise = 0, rand = () => 0.5): Detection {
  const offsets = [[-30, -20], [30, -20], [0, 5], [-22, 35], [22, 35]];
  const jitter = () => (rand() - 0.5) * 2 * noise;
  const landmarks = offsets.map(([dx, dy]) => ({ x: cx + dx! + jitter(), y: cy + dy! + jitter() })) as FivePoints;
  return { box: { x: cx - 60 + jitter(), y: cy - 60 + jitter(), width: 120, height: 130 }, score: 0.9, landmarks };
}

function rmsError(points: FivePoints, truth: FivePoints): number {
  return Math.sqrt(points.reduce((s, p, i) => s + (p.x - truth[i]!.x) ** 2 + (p.y - truth[i]!.y) ** 2, 0) / 10);
}

describe('face tracker', () => {
  it('smooths jittery landmarks of a slowly moving face to less than half the jitter', () => {
    const rand = random(3);
    const tracker = new FaceTracker();
    let raw = 0;
    let smoothed = 0;
    let n = 0;
    for (let t = 0; t < 100; t++) {
      const cx = 300 + t * 0.5;
      const truth = face(cx, 200).landmarks;
      const detection = face(cx, 200, 3, rand);
      const [tracked] = tracker.update([detection]);
      if (t < 10) continue; // the filter settles
      raw += rmsError(detection.landmarks, truth) ** 2;
      smoothed += rmsError(tracked!.landmarks, truth) ** 2;
      n++;
    }
    const before = Math.sqrt(raw / n);
    const after = Math.sqrt(smoothed / n);
    expect(after).toBeLessThan(before / 2);
    if (process.env.REFINERY_REPORT) console.log(`landmark jitter: ${before.toFixed(2)} px raw, ${after.toFixed(2)} px tracked`);
  });

  it('follows a fast move without trailing far behind', () => {
    const tracker = new FaceTracker();
    let last;
    for (let t = 0; t < 20; t++) last = tracker.update([face(200 + t * 15, 200)])[0]!;
    // 15 px a frame: the smoothed face is within 10 px of where it is.
    expect(Math.abs(last!.landmarks[2].x - (200 + 19 * 15))).toBeLessThan(10);
  });

  it('keeps a face that speeds up to more than half its width a frame', () => {
    const tracker = new FaceTracker();
    const ids = new Set<number>();
    let x = 100;
    for (let t = 0; t < 14; t++) {
      // 30 px a frame, then 75: boxes 120 px wide one frame apart barely overlap (IoU 0.23).
      x += t < 6 ? 30 : 75;
      for (const f of tracker.update([face(x, 200)])) ids.add(f.id);
    }
    expect(ids.size).toBe(1);
  });

  it('keeps each face its id when detections come in another order', () => {
    const tracker = new FaceTracker();
    const first = tracker.update([face(100, 100), face(400, 120)]);
    const idLeft = first.find((f) => f.landmarks[2].x < 250)!.id;
    const idRight = first.find((f) => f.landmarks[2].x > 250)!.id;
    expect(idLeft).not.toBe(idRight);
    for (let t = 1; t < 10; t++) {
      const detections = [face(400 + t * 3, 120), face(100 + t * 3, 100)];
      const faces = tracker.update(t % 2 ? detections : detections.reverse());
      expect(faces.find((f) => f.landmarks[2].x < 250)!.id).toBe(idLeft);
      expect(faces.find((f) => f.landmarks[2].x > 250)!.id).toBe(idRight);
    }
  });

  it('coasts through a missed detection, fades a lost face out and a new one in', () => {
    const tracker = new FaceTracker({ ramp: 3 });
    const [a] = tracker.update([face(100, 100)]);
    expect(a!.presence).toBe(1);
    let last = a!;
    for (let t = 1; t <= 8; t++) last = tracker.update([face(100 + 4 * t, 100)])[0]!;
    const coasting = tracker.update([]);
    expect(coasting).toHaveLength(1);
    expect(coasting[0]!.detected).toBe(false);
    expect(coasting[0]!.presence).toBeCloseTo(2 / 3);
    // It keeps moving the way it moved.
    expect(coasting[0]!.landmarks[2].x).toBeGreaterThan(last.landmarks[2].x + 2);
    const back = tracker.update([face(140, 100)]);
    expect(back[0]!.id).toBe(a!.id);
    expect(back[0]!.presence).toBe(1);
    tracker.update([]);
    tracker.update([]);
    expect(tracker.update([])).toHaveLength(0);
    const [newcomer] = tracker.update([face(300, 300)]);
    expect(newcomer!.id).not.toBe(a!.id);
    expect(newcomer!.presence).toBeCloseTo(1 / 3);
  });
});
