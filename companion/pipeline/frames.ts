// Frame memory and splitting pixel work across the worker pool.
import type { Frame } from '../steps/step.js';
import type { WorkerPool } from './workers.js';

/** A frame whose pixels live in shared memory, so workers can read and write them in place. */
export function sharedFrame(width: number, height: number): Frame {
  return { width, height, data: new Uint16Array(new SharedArrayBuffer(width * height * 6)) };
}

export function frameBytes(width: number, height: number): number {
  return width * height * 6;
}

/**
 * Runs `fn(...args, firstPixel, endPixel, ...tail)` over [0, pixels) in one band per worker,
 * band edges on whole rows; `tail` may be given per band (its scratch memory, say).
 */
export async function inBands(
  pool: WorkerPool,
  module: string,
  fn: string,
  width: number,
  height: number,
  head: unknown[],
  tail: unknown[] | ((band: number) => unknown[]) = [],
): Promise<void> {
  const bands = Math.min(pool.size, height);
  const jobs: Promise<unknown>[] = [];
  for (let b = 0; b < bands; b++) {
    const first = Math.floor((height * b) / bands) * width;
    const end = Math.floor((height * (b + 1)) / bands) * width;
    jobs.push(pool.run(module, fn, [...head, first, end, ...(typeof tail === 'function' ? tail(b) : tail)]));
  }
  await allDone(jobs);
}

/**
 * Promise.all that waits for every job before it fails: a failed band must not leave the
 * others still writing into memory that its caller then frees or reuses.
 */
export async function allDone<T>(jobs: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(jobs);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
