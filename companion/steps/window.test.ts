import { describe, expect, it } from 'vitest';
import type { Frame } from './step.js';
import { slidingWindow } from './window.js';

const frame = (n: number): Frame => ({ width: 1, height: 1, data: Uint16Array.of(n, n, n) });

/** A window of radius 2 that logs what it is asked; `overlap` as given. */
function logged(overlap: boolean) {
  const log: string[] = [];
  let taking = 0;
  let overlapped = 0;
  const frames: Frame[] = [];
  const step = slidingWindow('test', 1, 1, 2, {
    overlap,
    async take(f, index) {
      taking++;
      log.push(`take ${index}`);
      await new Promise((r) => setTimeout(r, 2));
      frames[index] = f;
      taking--;
    },
    async release(index, taken) {
      log.push(`release ${index} of ${taken}`);
      await new Promise((r) => setTimeout(r, 1));
      if (taking > 0) overlapped++;
      return frames[index]!;
    },
  });
  return { step, log, overlapped: () => overlapped };
}

async function run(step: ReturnType<typeof logged>['step'], n: number): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < n; i++) out.push((await step.push(frame(i))).map((f) => f.data[0]!));
  out.push((await step.flush()).map((f) => f.data[0]!));
  return out;
}

describe('slidingWindow', () => {
  it('releases frame t once frame t + radius is in, after taking it', async () => {
    const w = logged(false);
    expect(await run(w.step, 5)).toEqual([[], [], [0], [1], [2], [3, 4]]);
    expect(w.log.slice(0, 5)).toEqual(['take 0', 'take 1', 'take 2', 'release 0 of 3', 'take 3']);
    expect(w.overlapped()).toBe(0);
  });

  it('with overlap, takes the next frame in while releasing, and tells release only of the frames before it', async () => {
    const w = logged(true);
    expect(await run(w.step, 5)).toEqual([[], [], [], [0], [1], [2, 3, 4]]);
    expect(w.log).toContain('release 0 of 3');
    expect(w.log).toContain('release 2 of 5');
    expect(w.log.filter((l) => l.startsWith('release')).map((l) => Number(l.split(' ')[1]))).toEqual([0, 1, 2, 3, 4]);
    expect(w.overlapped()).toBe(2);
  });

  it('refuses a frame of another size', async () => {
    const w = logged(true);
    await expect(w.step.push({ width: 2, height: 1, data: new Uint16Array(6) })).rejects.toThrow('test: frame is 2x1, expected 1x1');
  });
});
