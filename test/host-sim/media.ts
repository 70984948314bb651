// What the simulated hosts can read from disk: a file must exist and be registered as media
// (frame count, rate, audio), like a real import that needs a file the host can decode.
import { existsSync } from 'node:fs';
import { TICKS_PER_SECOND } from '../../src/host/contract.js';

export interface MediaInfo {
  frames: number;
  /** Frame rate as [numerator, denominator], e.g. [24000, 1001]. */
  rate: [number, number];
  hasAudio: boolean;
}

export function ticksPerFrame([num, den]: [number, number]): number {
  const tpf = (TICKS_PER_SECOND * den) / num;
  if (!Number.isInteger(tpf)) throw new Error(`${num}/${den} fps is not a whole number of ticks per frame`);
  return tpf;
}

export class MediaLibrary {
  readonly #media = new Map<string, MediaInfo>();

  add(path: string, info: MediaInfo): void {
    this.#media.set(path, info);
  }

  /** The media at a path as the host would read it now: undefined when the file is gone or unreadable. */
  read(path: string): MediaInfo | undefined {
    return existsSync(path) ? this.#media.get(path) : undefined;
  }
}
