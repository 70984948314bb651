// Turns --in/--out seconds and --handles into exact frame numbers.
// Frame n covers [n/fps, (n+1)/fps): --in selects the frame it falls in, --out is the end
// time (exclusive), so the frames are those that start before it.
import type { MediaInfo } from '../media/probe.js';
import { frameTime, toNumber } from '../media/rational.js';

export interface RangeRequest {
  inS?: number;
  outS?: number;
  handles?: number;
}

export interface FrameRange {
  /** First frame of the requested range, and one past its last. */
  inFrame: number;
  outFrame: number;
  /** Frames added on each side, after clamping to the clip. */
  head: number;
  tail: number;
  /** First frame decoded (inFrame - head) and how many are decoded. */
  firstFrame: number;
  count: number;
  /** The requested range snapped to frame boundaries, in seconds from the clip's first frame. */
  inS: number;
  outS: number;
}

export class RangeRequestError extends Error {}

// Tolerance for seconds that were computed from ticks or rounded rates (well under a frame).
const EPSILON_FRAMES = 1e-6;

export function resolveRange(media: MediaInfo, request: RangeRequest): FrameRange {
  const fps = toNumber(media.rate);
  const clipEnd = frameTime(media.frames, media.rate);
  const { inS = 0, outS = clipEnd, handles = 0 } = request;
  for (const [name, value] of [['--in', inS], ['--out', outS]] as const) {
    if (!Number.isFinite(value) || value < 0) throw new RangeRequestError(`${name} ${value} is not a time in seconds`);
  }
  if (!Number.isInteger(handles) || handles < 0) throw new RangeRequestError(`--handles ${handles} is not a whole number of frames`);
  const inFrame = Math.floor(inS * fps + EPSILON_FRAMES);
  const outFrame = Math.ceil(outS * fps - EPSILON_FRAMES);
  if (inFrame >= media.frames) {
    throw new RangeRequestError(`--in ${inS} is outside the clip (${clipEnd.toFixed(3)} s, ${media.frames} frames)`);
  }
  if (outFrame > media.frames) {
    throw new RangeRequestError(`--out ${outS} is outside the clip (${clipEnd.toFixed(3)} s, ${media.frames} frames)`);
  }
  if (outS <= inS) throw new RangeRequestError(`--out ${outS} must be after --in ${inS}`);
  if (outFrame <= inFrame) throw new RangeRequestError(`--in ${inS} and --out ${outS} select no frame`);
  const head = Math.min(handles, inFrame);
  const tail = Math.min(handles, media.frames - outFrame);
  return {
    inFrame,
    outFrame,
    head,
    tail,
    firstFrame: inFrame - head,
    count: outFrame - inFrame + head + tail,
    inS: frameTime(inFrame, media.rate),
    outS: frameTime(outFrame, media.rate),
  };
}
