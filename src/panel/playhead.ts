// Which clip and which source time to preview: the selected clip under the playhead, at the
// playhead; otherwise the first selected clip, at its middle.
import type { Clip, Selection } from '../host/contract.js';

/** The width the panel asks previews at: its before/after view is at most this wide. */
export const PREVIEW_WIDTH = 480;

export function previewPoint(selection: Selection): { clip: Clip; timeS: number } | undefined {
  const { clips, playheadS } = selection;
  const under = playheadS === undefined ? undefined : clips.find((c) => playheadS >= c.startS && playheadS < c.endS);
  if (under) return { clip: under, timeS: under.inS + (playheadS! - under.startS) };
  const first = clips[0];
  return first && { clip: first, timeS: (first.inS + first.outS) / 2 };
}
