// A companion that is killed, stopped, or started twice keeps every job and leaves no
// partial output behind.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { connect, startCompanion, waitFor } from './support/companion.js';
import { makeClip, tempDir } from './support/media.js';

let dir: string;
let longClip: string;

beforeAll(async () => {
  dir = await tempDir('refinery-recovery-');
  longClip = await makeClip(join(dir, 'long.mp4'), { fps: '25', seconds: 10, size: '640x360', tagged: true });
});

async function runningJob(stateDir: string, outDir: string) {
  const companion = await startCompanion(stateDir);
  const client = await connect(companion.info);
  const queued = await client.call('jobs.submit', { source: longClip, steps: [], output: { dir: outDir } });
  const { jobId } = await client.call('jobs.submit', { source: longClip, steps: [{ op: 'lut', path: 'monochrome' }], output: { path: join(outDir, 'second.mov') } });
  await waitFor(() => client.notifications.find((n) => n.params.jobId === queued.jobId && n.params.progress?.frame > 3), 'progress');
  return { companion, client, running: queued.jobId, waiting: jobId };
}

describe('after kill -9', () => {
  it('lists every job, the running one interrupted, with no partial file under any name', async () => {
    const stateDir = join(dir, 'state-kill');
    const outDir = join(dir, 'out-kill');
    await mkdir(outDir);
    const { companion, running, waiting } = await runningJob(stateDir, outDir);
    expect((await readdir(outDir)).some((f) => f.endsWith('.partial'))).toBe(true);
    expect(await companion.stop('SIGKILL')).toBe(null);

    const restarted = await startCompanion(stateDir);
    const client = await connect(restarted.info);
    const jobs = (await client.call('jobs.list')).jobs;
    expect(jobs.map((j: { id: string }) => j.id).sort()).toEqual([running, waiting].sort());
    expect(jobs.find((j: { id: string }) => j.id === running).state).toBe('interrupted');
    // The waiting job was never started: it is still queued, and now runs.
    await waitFor(async () => (await client.call('jobs.get', { jobId: waiting })).state === 'running', 'queued job starts');
    expect((await readdir(outDir)).filter((f) => f.endsWith('.partial')).length).toBeLessThanOrEqual(1);
    expect(await readdir(outDir)).not.toContain('long.refined.mov');
    await client.call('jobs.cancel', { jobId: waiting });
    await restarted.stop();
  });

  it('re-queues the interrupted job with --resume and finishes it', async () => {
    const stateDir = join(dir, 'state-resume');
    const outDir = join(dir, 'out-resume');
    await mkdir(outDir);
    const { companion, client: first, running, waiting } = await runningJob(stateDir, outDir);
    await first.call('jobs.cancel', { jobId: waiting });
    await companion.stop('SIGKILL');
    const restarted = await startCompanion(stateDir, ['--resume']);
    const client = await connect(restarted.info);
    expect(['queued', 'running']).toContain((await client.call('jobs.get', { jobId: running })).state);
    await waitFor(async () => (await client.call('jobs.get', { jobId: running })).state === 'done', 'resumed job done', 120_000);
    expect((await readdir(outDir)).sort()).toEqual(['long.refined.mov', 'long.refined.mov.refinery.json']);
    await restarted.stop();
  }, 180_000);
});

describe('SIGTERM', () => {
  it('stops within two seconds and records the running job as interrupted', async () => {
    const stateDir = join(dir, 'state-term');
    const outDir = join(dir, 'out-term');
    await mkdir(outDir);
    const { companion, running } = await runningJob(stateDir, outDir);
    const asked = Date.now();
    expect(await companion.stop('SIGTERM')).toBe(0);
    expect(Date.now() - asked).toBeLessThan(2000);
    expect(await readdir(outDir)).toEqual([]);
    const restarted = await startCompanion(stateDir);
    const client = await connect(restarted.info);
    expect((await client.call('jobs.get', { jobId: running })).state).toBe('interrupted');
    await restarted.stop();
  });
});

describe('one companion per state folder', () => {
  it('a second start finds the live one and says so; a stale companion.json is replaced', async () => {
    const stateDir = join(dir, 'state-single');
    const first = await startCompanion(stateDir);
    const second = await startCompanion(stateDir);
    expect(await second.exited).toBe(0);
    expect(second.stdout()).toMatch(new RegExp(`already running on 127\\.0\\.0\\.1:${first.info.port} \\(pid ${first.info.pid}`));
    await first.stop('SIGKILL');
    // companion.json still names the dead process.
    const third = await startCompanion(stateDir);
    expect(third.info.pid).not.toBe(first.info.pid);
    expect(third.stdout()).toMatch(/listening on/);
    await third.stop();
  });

  it('a torn last journal line (a crash mid-write) loses nothing before it', async () => {
    const stateDir = join(dir, 'state-torn');
    const companion = await startCompanion(stateDir);
    const client = await connect(companion.info);
    const clip = await makeClip(join(dir, 'tiny.mp4'), { fps: '25', seconds: 0.2, size: '64x64', audio: false });
    const { jobId } = await client.call('jobs.submit', { source: clip, steps: [], output: { dir } });
    await waitFor(async () => (await client.call('jobs.get', { jobId })).state === 'done', 'done');
    await companion.stop();
    await writeFile(join(stateDir, 'jobs.jsonl'), '{"type":"job","job":{"id":"torn', { flag: 'a' });
    const restarted = await startCompanion(stateDir);
    const again = await connect(restarted.info);
    expect((await again.call('jobs.get', { jobId })).state).toBe('done');
    expect(restarted.stdout()).toMatch(/skipped 1 torn line/);
    await restarted.stop();
  });
});
