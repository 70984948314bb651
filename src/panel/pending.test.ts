import { describe, expect, it } from 'vitest';
import { type Pending, loadPending, savePending } from './pending.js';

function storage(initial?: string) {
  const items = new Map<string, string>(initial === undefined ? [] : [['refinery.jobs.pending', initial]]);
  let writes = 0;
  return {
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => (writes++, items.set(k, v)),
    writes: () => writes,
  };
}

const clip = { id: '000f4240', name: 'shot', mediaPath: '/clips/shot.mp4', trackIndex: 0, startS: 1, endS: 2, inS: 0.2, outS: 1.2 };
const entry = (jobId: string): Pending => ({ clip, jobId, mode: 'replace', handles: 12 });

describe("the panel's pending placements", () => {
  it('come back as stored; entries that no longer parse, and unreadable storage, are skipped', () => {
    const s = storage();
    savePending(s, [entry('a'), { ...entry('b'), mode: 'stack', placing: true }]);
    expect(loadPending(s)).toEqual([entry('a'), { ...entry('b'), mode: 'stack', placing: true }]);
    expect(loadPending(storage(JSON.stringify([entry('a'), { ...entry('c'), mode: 'sideways' }, { jobId: 'd' }])))).toEqual([entry('a')]);
    expect(loadPending(storage('{not json'))).toEqual([]);
    expect(loadPending(storage('{"jobId":"x"}'))).toEqual([]);
  });

  it('are written only when they change, and keep the newest 200', () => {
    const s = storage();
    const text = savePending(s, [entry('a')]);
    savePending(s, [entry('a')], text);
    expect(s.writes()).toBe(1);
    savePending(s, Array.from({ length: 250 }, (_, i) => entry(`job-${i}`)), text);
    const kept = loadPending(s);
    expect(kept).toHaveLength(200);
    expect(kept[0]!.jobId).toBe('job-50');
  });
});
