// `refinery companion`: the long-lived local process the panel talks to. One per state
// folder; jobs survive crashes through the journal; SIGTERM/SIGINT stop it within 2 s.
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Journal } from './jobs/journal.js';
import { JobQueue } from './jobs/queue.js';
import { standBy } from './pipeline/early-decode.js';
import { warmPreviews } from './pipeline/preview-warmup.js';
import { WorkerPool } from './pipeline/workers.js';
import { type CompanionInfo, isLive, readInfo, removeInfo, writeInfo } from './server/instance.js';
import { newToken } from './server/security.js';
import { startServer } from './server/server.js';

export interface CompanionOptions {
  port: number;
  stateDir: string;
  concurrency: number;
  resume: boolean;
  log: (line: string) => void;
}

/** Holds `<stateDir>/companion.lock` while this process starts, so two starts cannot race. */
async function withStartLock<T>(stateDir: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(stateDir, 'companion.lock');
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lock, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 100) throw error;
      const owner = Number(await readFile(lock, 'utf8').catch(() => '0'));
      let alive = false;
      try {
        alive = owner > 0 && (process.kill(owner, 0), true);
      } catch {
        alive = false;
      }
      if (!alive) await unlink(lock).catch(() => undefined);
      else await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}

/** Starts the companion; resolves with its info, or with the live one's if one already runs. */
export async function runCompanion(options: CompanionOptions): Promise<{ info: CompanionInfo; alreadyRunning: boolean; stop?: () => Promise<void> }> {
  const { stateDir, log } = options;
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  return withStartLock(stateDir, async () => {
    const existing = await readInfo(stateDir);
    if (existing && existing.pid !== process.pid && (await isLive(existing))) return { info: existing, alreadyRunning: true };

    const { journal, jobs, skipped } = Journal.open(stateDir);
    if (skipped) log(`journal: skipped ${skipped} torn line(s)`);
    const jobWorkers = new WorkerPool();
    const queue = new JobQueue({ journal, jobs, stateDir, concurrency: options.concurrency, workers: jobWorkers });
    const previewWorkers = new WorkerPool();
    const token = newToken();
    // A panel that connects is about to ask for previews: the first session warms their path,
    // and from then on an ffmpeg stands by for the next clip's first look. Not awaited: a
    // preview asked for meanwhile just runs, and the warm-up gives way.
    let warming: Promise<unknown> | undefined;
    const warmUp = () =>
      (warming ??= warmPreviews(stateDir, previewWorkers)
        .then(
          (ms) => log(`previews warmed up in ${Math.round(ms)} ms`),
          (error: Error) => log(`preview warm-up skipped: ${error.message}`),
        )
        .then(() => !stopping && standBy(true)));
    const server = await startServer({ port: options.port, token, context: { queue, stateDir, previewWorkers }, log, onSession: warmUp });
    queue.on('update', (job) =>
      server.broadcast({
        jobId: job.id,
        state: job.state,
        ...(job.progress ? { progress: job.progress } : {}),
        ...(job.state === 'done' ? { output: job.output.path } : {}),
        ...(job.error ? { error: job.error } : {}),
      }),
    );
    const recovered = await queue.recover(options.resume);
    for (const job of recovered) log(`job ${job.id} was running when the companion stopped: now ${job.state}`);
    const info = { port: server.port, token, pid: process.pid };
    await writeInfo(stateDir, info);

    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        standBy(false);
        await queue.shutdown();
        await server.close();
        await Promise.all([previewWorkers.close(), jobWorkers.close()]);
        journal.close();
        await removeInfo(stateDir);
      })());
    return { info, alreadyRunning: false, stop };
  });
}
