import { describe, expect, it } from 'vitest';
import type { Clip } from '../host/contract.js';
import { previewPoint } from './playhead.js';

const clip = (id: string, startS: number, endS: number, inS: number): Clip => ({
  id, name: id, mediaPath: `/m/${id}.mp4`, trackIndex: 0, startS, endS, inS, outS: inS + (endS - startS),
});

describe('the preview follows the playhead', () => {
  const a = clip('a', 0, 2, 10);
  const b = clip('b', 2, 5, 1);

  it('shows the selected clip under the playhead at the playhead’s source time', () => {
    expect(previewPoint({ clips: [a, b], playheadS: 3.5 })).toEqual({ clip: b, timeS: 2.5 });
    expect(previewPoint({ clips: [a, b], playheadS: 2 })).toEqual({ clip: b, timeS: 1 });
  });

  it('falls back to the middle of the first selected clip when the playhead is elsewhere or unknown', () => {
    expect(previewPoint({ clips: [a, b], playheadS: 7 })).toEqual({ clip: a, timeS: 11 });
    expect(previewPoint({ clips: [b] })).toEqual({ clip: b, timeS: 2.5 });
    expect(previewPoint({ clips: [] })).toBeUndefined();
  });
});
