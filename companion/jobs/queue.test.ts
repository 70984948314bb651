// The queue's job history: a companion left running for weeks keeps a bounded number of
// finished jobs, in memory, in jobs.list and in its journal. The runner here returns at once;
// the real one is exercised end to end in test/companion*.e2e.test.ts.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Job, JobState } from '../../src/protocol/messages.js';
import { makeClip, tempDir } from '../../test/support/media.js';
import type { ProcessRequest, ProcessResult } from '../pipeline/process.js';
import { Journal } from './journal.js';
import { JobQueue } from './queue.js';

const HOUR_MS = 3600 * 1000;

function job(id: string, state: JobState, hoursAgo: number): Job {
  const at = new Date(Date.now() - hoursAgo * HOUR_MS).toISOString();
  return { id, state, source: '/clips/a.mp4', handles: 0, steps: [], output: { path: `/clips/${id}.mov`, codec: 'prores' }, attempts: 1, createdAt: at, updatedAt: at };
}

async function instantRunner(request: ProcessRequest): Promise<ProcessResult> {
  return {
    output: request.output, sidecar: `${request.output}.json`, frames: 1, fps: '25/1', width: 32, height: 32, seconds: 0,
    steps: [], handles: { head: 0, tail: 0 }, range: { inS: 0, outS: 0.04 }, codec: 'prores', timecode: '00:00:00:00', warnings: [],
  };
}

const lineCount = async (path: string) => (await readFile(path, 'utf8')).split('\n').filter(Boolean).length;

describe('job history', () => {
  it('keeps the newest finished jobs up to the count and age, and every queued or running one, also in the journal', async () => {
    const dir = await tempDir();
    const earlier = Journal.open(dir).journal;
    const loaded = [
      ...[1, 2, 3, 4, 5, 6].map((h) => job(`done-${h}h`, 'done', h)),
      job('failed-40d', 'failed', 40 * 24),
      job('interrupted-2h', 'interrupted', 2.5),
      job('queued-50d', 'queued', 50 * 24),
    ];
    for (const j of loaded) earlier.record(j);
    earlier.close();
    const { journal, jobs } = Journal.open(dir);
    const queue = new JobQueue({ journal, jobs, stateDir: dir, history: { keep: 3, days: 30 }, runner: instantRunner });
    const kept = ['done-1h', 'done-2h', 'interrupted-2h', 'queued-50d'];
    expect(queue.list().map((j) => j.id).sort()).toEqual(kept.sort());
    journal.close();
    expect(Journal.open(dir).jobs.map((j) => j.id).sort()).toEqual(kept.sort());
  });

  it('forgets the oldest finished job as each new one finishes', async () => {
    const dir = await tempDir();
    const clip = await makeClip(join(dir, 'clip.mp4'), { seconds: 0.2, audio: false });
    const { journal } = Journal.open(dir);
    const queue = new JobQueue({ journal, jobs: [], stateDir: dir, history: { keep: 2, days: 30 }, runner: instantRunner });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      // Listening first: the instant runner may finish before submit() has resolved.
      const done = new Promise<string>((resolve) => queue.on('update', (j) => j.state === 'done' && !ids.includes(j.id) && resolve(j.id)));
      const submitted = await queue.submit({ source: clip, steps: [], output: { path: join(dir, `out-${i}.mov`) } });
      expect(await done).toBe(submitted.id);
      ids.push(submitted.id);
    }
    expect(queue.list().map((j) => j.id)).toEqual(ids.slice(2));
    expect(() => queue.get(ids[0]!)).toThrow(/no job/);
    journal.close();
    expect(Journal.open(dir).jobs.map((j) => j.id)).toEqual(ids.slice(2));
  });

  it('compacts a long journal while running, and the compacted one replays to the same jobs', async () => {
    const dir = await tempDir();
    const { journal } = Journal.open(dir);
    const held = [job('a', 'done', 1), job('b', 'queued', 0)];
    for (let i = 0; i < 1100; i++) journal.record(held[i % 2]!);
    journal.compactIfLong(held, held.length);
    expect(await lineCount(journal.path)).toBe(2);
    // Appends after the compaction land in the new file.
    journal.record({ ...held[1]!, state: 'running' });
    expect(await lineCount(journal.path)).toBe(3);
    journal.close();
    const replayed = Journal.open(dir).jobs;
    expect(replayed.map((j) => `${j.id}:${j.state}`).sort()).toEqual(['a:done', 'b:running']);
  });
});
