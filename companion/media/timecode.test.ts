import { describe, expect, it } from 'vitest';
import { parseRational } from './rational.js';
import { addFrames, framesToTimecode, parseTimecode, timecodeToFrames } from './timecode.js';

const rate = (s: string) => parseRational(s)!;

describe('timecode', () => {
  it('counts non-drop frames at 25 and 23.976 (24-frame base)', () => {
    expect(addFrames('01:00:00:00', 25, rate('25'))).toBe('01:00:01:00');
    expect(addFrames('00:59:59:23', 1, rate('24000/1001'))).toBe('01:00:00:00');
    expect(addFrames('10:00:00:00', 24 * 3600, rate('24000/1001'))).toBe('11:00:00:00');
  });

  it('skips frame numbers 00 and 01 at each minute but every tenth in drop-frame 29.97', () => {
    expect(addFrames('00:00:59;29', 1, rate('30000/1001'))).toBe('00:01:00;02');
    expect(addFrames('00:09:59;29', 1, rate('30000/1001'))).toBe('00:10:00;00');
    // An hour of 29.97 DF is 107892 frames and lands exactly on the hour.
    expect(addFrames('00:00:00;00', 107892, rate('30000/1001'))).toBe('01:00:00;00');
  });

  it('round-trips every frame of an hour in drop-frame 59.94', () => {
    for (let n = 0; n < 60 * 60 * 60; n += 97) {
      const tc = framesToTimecode(n, 60, true);
      expect(timecodeToFrames(tc, 60)).toBe(n);
    }
  });

  it('wraps at 24 hours and rejects text that is not a timecode', () => {
    expect(addFrames('23:59:59:24', 1, rate('25'))).toBe('00:00:00:00');
    expect(parseTimecode('1:00:00')).toBeUndefined();
    expect(() => addFrames('garbage', 1, rate('25'))).toThrow(/not a timecode/);
  });
});

describe('rational frame rates', () => {
  it('keeps 24000/1001 exact and reduces 50/2', () => {
    expect(parseRational('24000/1001')).toEqual({ num: 24000, den: 1001 });
    expect(parseRational('50/2')).toEqual({ num: 25, den: 1 });
    expect(parseRational('0/0')).toBeUndefined();
  });
});
