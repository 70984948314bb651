import { describe, expect, it } from 'vitest';
import type { MediaInfo } from '../media/probe.js';
import { parseRational } from '../media/rational.js';
import { resolveRange } from './range.js';

function clip(fps: string, frames: number): MediaInfo {
  const rate = parseRational(fps)!;
  return { rate, fps, frames } as MediaInfo;
}

describe('range and handles', () => {
  it('selects the frame each time falls in, with --out exclusive', () => {
    const r = resolveRange(clip('25', 100), { inS: 1, outS: 2 });
    expect([r.inFrame, r.outFrame, r.count]).toEqual([25, 50, 25]);
    const mid = resolveRange(clip('25', 100), { inS: 1.039, outS: 1.041 });
    expect([mid.inFrame, mid.outFrame]).toEqual([25, 27]);
  });

  it('is exact at 23.976 for times computed from ticks', () => {
    const fps = parseRational('24000/1001')!;
    const inS = (254016000000 * 48 * 1001) / 24000 / 254016000000; // frame 48 start, from ticks
    const r = resolveRange(clip('24000/1001', 240), { inS, outS: (96 * fps.den) / fps.num });
    expect([r.inFrame, r.outFrame]).toEqual([48, 96]);
    expect(r.inS).toBeCloseTo(2.002, 9);
  });

  it('adds handles on both sides, clamped to the clip', () => {
    const r = resolveRange(clip('25', 100), { inS: 0.08, outS: 3.96, handles: 5 });
    expect(r.head).toBe(2);
    expect(r.tail).toBe(1);
    expect(r.firstFrame).toBe(0);
    expect(r.count).toBe(100);
  });

  it('refuses ranges outside the clip or empty', () => {
    expect(() => resolveRange(clip('25', 100), { inS: 5 })).toThrow(/--in 5 is outside the clip/);
    expect(() => resolveRange(clip('25', 100), { outS: 4.1 })).toThrow(/--out 4.1 is outside the clip/);
    expect(() => resolveRange(clip('25', 100), { inS: 2, outS: 1 })).toThrow(/must be after/);
    expect(() => resolveRange(clip('25', 100), { inS: 1, outS: 1.01 })).not.toThrow();
    expect(() => resolveRange(clip('25', 100), { handles: 1.5 })).toThrow(/whole number/);
  });
});
