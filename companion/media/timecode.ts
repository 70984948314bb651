// SMPTE timecode arithmetic, drop-frame included (29.97/59.94 with ';' before the frames).
import { type Rational, toNumber } from './rational.js';

export interface Timecode {
  hours: number;
  minutes: number;
  seconds: number;
  frames: number;
  dropFrame: boolean;
}

export function parseTimecode(text: string): Timecode | undefined {
  const match = /^(\d{1,2}):(\d{2}):(\d{2})([:;.,])(\d{2,3})$/.exec(text.trim());
  if (!match) return undefined;
  return {
    hours: Number(match[1]),
    minutes: Number(match[2]),
    seconds: Number(match[3]),
    frames: Number(match[5]),
    dropFrame: match[4] === ';' || match[4] === ',',
  };
}

/** The integer frame rate a timecode counts in (24 for 23.976, 30 for 29.97). */
export function timecodeBase(fps: Rational): number {
  return Math.round(toNumber(fps));
}

/** Frames dropped from the count each minute, except every tenth minute (2 at 30, 4 at 60). */
function droppedPerMinute(base: number): number {
  return Math.round(base / 15);
}

export function timecodeToFrames(tc: Timecode, base: number): number {
  const totalMinutes = tc.hours * 60 + tc.minutes;
  let frames = ((totalMinutes * 60 + tc.seconds) * base) + tc.frames;
  if (tc.dropFrame) frames -= droppedPerMinute(base) * (totalMinutes - Math.floor(totalMinutes / 10));
  return frames;
}

export function framesToTimecode(count: number, base: number, dropFrame: boolean): Timecode {
  const perDay = 24 * 60 * 60 * base;
  let frames = ((count % perDay) + perDay) % perDay;
  if (dropFrame) {
    const drop = droppedPerMinute(base);
    const perMinute = base * 60 - drop;
    const perTenMinutes = base * 600 - drop * 9;
    const tens = Math.floor(frames / perTenMinutes);
    const rest = frames % perTenMinutes;
    frames += drop * 9 * tens + (rest > drop ? drop * Math.floor((rest - drop) / perMinute) : 0);
  }
  return {
    hours: Math.floor(frames / (base * 3600)) % 24,
    minutes: Math.floor(frames / (base * 60)) % 60,
    seconds: Math.floor(frames / base) % 60,
    frames: frames % base,
    dropFrame,
  };
}

export function formatTimecode(tc: Timecode): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(tc.hours)}:${two(tc.minutes)}:${two(tc.seconds)}${tc.dropFrame ? ';' : ':'}${two(tc.frames)}`;
}

/** The timecode `offset` frames after `start`, in the same counting mode. */
export function addFrames(start: string, offset: number, fps: Rational): string {
  const tc = parseTimecode(start);
  if (!tc) throw new Error(`not a timecode: ${start}`);
  const base = timecodeBase(fps);
  return formatTimecode(framesToTimecode(timecodeToFrames(tc, base) + offset, base, tc.dropFrame));
}
