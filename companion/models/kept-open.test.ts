import { afterEach, describe, expect, it, vi } from 'vitest';
import { keptOpen } from './kept-open.js';

describe('keptOpen', () => {
  afterEach(() => vi.useRealTimers());

  it('opens once for every user, and closes a minute after the last one lets go unless taken again', async () => {
    vi.useFakeTimers();
    const opened: number[] = [];
    const closed: number[] = [];
    let n = 0;
    const take = () =>
      keptOpen(
        'test-a',
        async () => {
          opened.push(++n);
          return n;
        },
        async (v) => void closed.push(v),
      );
    const [a, b] = await Promise.all([take(), take()]);
    expect([a.value, b.value, opened]).toEqual([1, 1, [1]]);
    a.release();
    a.release(); // twice is once
    await vi.advanceTimersByTimeAsync(120_000);
    expect(closed).toEqual([]);
    b.release();
    await vi.advanceTimersByTimeAsync(30_000);
    const c = await take(); // back in use before the minute is up: still the same one
    expect(c.value).toBe(1);
    c.release();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(closed).toEqual([1]);
    const d = await take();
    expect([d.value, opened]).toEqual([2, [1, 2]]);
    d.release();
  });

  it('does not keep a failed open', async () => {
    let tries = 0;
    const open = async () => {
      if (++tries === 1) throw new Error('no such model');
      return 'ok';
    };
    await expect(keptOpen('test-b', open, async () => undefined)).rejects.toThrow('no such model');
    const held = await keptOpen('test-b', open, async () => undefined);
    expect([held.value, tries]).toEqual(['ok', 2]);
    held.release();
  });
});
