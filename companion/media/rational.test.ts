import { describe, expect, it } from 'vitest';
import { snapRate } from './rational.js';

describe('snapRate', () => {
  it('snaps a measured average to the nearest standard rate within 0.1%', () => {
    expect(snapRate({ num: 24, den: 1 })).toEqual({ num: 24, den: 1 });
    expect(snapRate({ num: 2398, den: 100 })).toEqual({ num: 24000, den: 1001 });
    expect(snapRate({ num: 2997, den: 100 })).toEqual({ num: 30000, den: 1001 });
    expect(snapRate({ num: 30, den: 1 })).toEqual({ num: 30, den: 1 });
    expect(snapRate({ num: 25, den: 2 })).toEqual({ num: 25, den: 2 });
    expect(snapRate({ num: 287, den: 12 })).toEqual({ num: 287, den: 12 });
  });

  it('snaps from further off when asked (a variable rate\'s average)', () => {
    expect(snapRate({ num: 287, den: 12 }, 0.005)).toEqual({ num: 24000, den: 1001 });
    expect(snapRate({ num: 2985, den: 100 }, 0.005)).toEqual({ num: 30000, den: 1001 });
    expect(snapRate({ num: 2940, den: 100 }, 0.005)).toEqual({ num: 2940, den: 100 });
  });
});
