// The job queue: queued → running → done | failed | cancelled, and interrupted after a
// crash or shutdown. Every state change is journaled before it is announced; progress is
// announced at most five times a second per job and not journaled.
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Job, JobState, JobSubmitParams } from '../../src/protocol/messages.js';
import { CancelledError, type ProcessRequest, type ProcessResult, type Progress, processClip } from '../pipeline/process.js';
import { removeQuietly } from '../pipeline/output.js';
import type { WorkerPool } from '../pipeline/workers.js';
import type { Journal } from './journal.js';
import { type CheckedJob, checkSubmit } from './validate.js';

export class JobError extends Error {
  constructor(
    readonly kind: 'notFound' | 'conflict',
    message: string,
  ) {
    super(message);
  }
}

const ACTIVE: JobState[] = ['queued', 'running'];
const PROGRESS_INTERVAL_MS = 200;

/**
 * How many finished jobs (done, failed, cancelled, interrupted) are kept, and for how long: a
 * companion left running for weeks would otherwise list, hold and journal every job it ever ran.
 */
export interface History {
  keep: number;
  days: number;
}
const HISTORY: History = { keep: 500, days: 30 };
const DAY_MS = 24 * 3600 * 1000;

export interface QueueOptions {
  journal: Journal;
  jobs: Job[];
  stateDir: string;
  concurrency?: number;
  /** Worker threads shared by every job, so a job does not pay for starting its own. */
  workers?: WorkerPool;
  runner?: (request: ProcessRequest) => Promise<ProcessResult>;
  history?: History;
}

export interface QueueEvents {
  /** A job changed state, or (progress only) advanced. */
  update: [job: Job];
}

export class JobQueue extends EventEmitter<QueueEvents> {
  private readonly jobs = new Map<string, Job>();
  private readonly running = new Map<string, AbortController>();
  private readonly lastProgress = new Map<string, number>();
  private readonly journal: Journal;
  private readonly stateDir: string;
  private readonly concurrency: number;
  private readonly runner: (request: ProcessRequest) => Promise<ProcessResult>;
  private readonly workers?: WorkerPool;
  private readonly history: History;
  private stopping = false;
  /** Submissions are checked one at a time, so two cannot pick the same free output name. */
  private submitting: Promise<unknown> = Promise.resolve();

  constructor(options: QueueOptions) {
    super();
    this.journal = options.journal;
    this.stateDir = options.stateDir;
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.runner = options.runner ?? processClip;
    this.workers = options.workers;
    this.history = options.history ?? HISTORY;
    for (const job of options.jobs) this.jobs.set(job.id, job);
    this.forgetOld();
  }

  /**
   * After a crash: running jobs become interrupted, or queued again with `resume`, and the
   * temporary files they left go.
   */
  async recover(resume: boolean): Promise<Job[]> {
    const recovered: Job[] = [];
    for (const job of this.jobs.values()) {
      if (job.state === 'running' || (resume && job.state === 'interrupted')) {
        await removeTemporaryFiles(job.output.path);
        this.change(job, resume ? 'queued' : 'interrupted', { progress: undefined });
        recovered.push(job);
      }
    }
    this.pump();
    return recovered;
  }

  submit(params: JobSubmitParams): Promise<Job> {
    const next = this.submitting.then(async () => {
      if (this.stopping) throw new JobError('conflict', 'the companion is shutting down');
      const job = this.create(await checkSubmit(params, this.stateDir, this.reservedOutputs()));
      this.journal.record(job);
      this.emit('update', job);
      this.pump();
      return job;
    });
    this.submitting = next.catch(() => undefined);
    return next;
  }

  get(id: string): Job {
    const job = this.jobs.get(id);
    if (!job) throw new JobError('notFound', `no job ${id}`);
    return job;
  }

  list(state?: JobState): Job[] {
    return [...this.jobs.values()].filter((j) => !state || j.state === state);
  }

  get length(): number {
    return this.list().filter((j) => ACTIVE.includes(j.state)).length;
  }

  cancel(id: string): Job {
    const job = this.get(id);
    if (job.state === 'queued' || job.state === 'interrupted') {
      this.change(job, 'cancelled');
    } else if (job.state === 'running') {
      // The runner kills ffmpeg and removes the temporary file; run() records the state.
      this.running.get(id)?.abort();
    } else {
      throw new JobError('conflict', `job ${id} is already ${job.state}`);
    }
    return job;
  }

  retry(id: string): Job {
    const job = this.get(id);
    if (!['failed', 'cancelled', 'interrupted'].includes(job.state)) {
      throw new JobError('conflict', `job ${id} is ${job.state}; only failed, cancelled or interrupted jobs can be retried`);
    }
    this.change(job, 'queued', { error: undefined, progress: undefined });
    this.pump();
    return job;
  }

  /** Stops taking work, interrupts running jobs and waits for them to clean up. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    const running = [...this.running.values()];
    for (const controller of running) controller.abort('shutdown');
    const deadline = Date.now() + 1500;
    while (this.running.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  private reservedOutputs(): Set<string> {
    return new Set(this.list().filter((j) => ACTIVE.includes(j.state)).map((j) => j.output.path));
  }

  private create(checked: CheckedJob): Job {
    const now = new Date().toISOString();
    const job: Job = {
      id: `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`,
      state: 'queued',
      source: checked.source,
      handles: checked.handles,
      steps: checked.steps,
      output: { path: checked.output, codec: checked.codec },
      attempts: 0,
      createdAt: now,
      updatedAt: now,
      ...(checked.range ? { range: checked.range } : {}),
    };
    this.jobs.set(job.id, job);
    return job;
  }

  private change(job: Job, state: JobState, fields: Partial<Job> = {}): void {
    Object.assign(job, fields, { state, updatedAt: new Date().toISOString() });
    for (const key of Object.keys(fields) as (keyof Job)[]) if (fields[key] === undefined) delete job[key];
    this.journal.record(job);
    this.emit('update', job);
    if (!ACTIVE.includes(state)) this.forgetOld();
  }

  /** Drops finished jobs beyond the history's count or age, then compacts the journal if that left it long. */
  private forgetOld(): void {
    const oldest = Date.now() - this.history.days * DAY_MS;
    const finished = this.list()
      .filter((j) => !ACTIVE.includes(j.state))
      .sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt));
    finished.forEach((job, i) => {
      if (i < this.history.keep && Date.parse(job.updatedAt) >= oldest) return;
      this.jobs.delete(job.id);
      this.journal.forget(job.id);
    });
    this.journal.compactIfLong(this.jobs.values(), this.jobs.size);
  }

  private pump(): void {
    if (this.stopping) return;
    for (const job of this.jobs.values()) {
      if (this.running.size >= this.concurrency) return;
      if (job.state === 'queued') void this.run(job);
    }
  }

  private async run(job: Job): Promise<void> {
    const controller = new AbortController();
    this.running.set(job.id, controller);
    this.change(job, 'running', { attempts: job.attempts + 1, progress: undefined, error: undefined });
    try {
      const result = await this.runner({
        input: job.source,
        output: job.output.path,
        range: { inS: job.range?.inS, outS: job.range?.outS, handles: job.handles },
        steps: job.steps,
        codec: job.output.codec,
        stateDir: this.stateDir,
        signal: controller.signal,
        onProgress: (p) => this.progress(job, p),
        ...(this.workers ? { workers: this.workers } : {}),
      });
      const { steps: _steps, ...summary } = result;
      this.change(job, 'done', { result: summary });
    } catch (error) {
      if (error instanceof CancelledError) {
        this.change(job, controller.signal.reason === 'shutdown' ? 'interrupted' : 'cancelled');
      } else {
        this.change(job, 'failed', { error: (error as Error).message.split('\n')[0] });
      }
    } finally {
      this.running.delete(job.id);
      this.lastProgress.delete(job.id);
      this.pump();
    }
  }

  private progress(job: Job, p: Progress): void {
    const now = Date.now();
    const last = this.lastProgress.get(job.id) ?? 0;
    if (now - last < PROGRESS_INTERVAL_MS && p.frame < p.total) return;
    this.lastProgress.set(job.id, now);
    job.progress = { ...p, etaS: Number.isFinite(p.etaS) ? Math.round(p.etaS * 10) / 10 : null };
    this.emit('update', job);
  }
}

/** Temporary files a killed render left beside its output (see pipeline/output.ts). */
async function removeTemporaryFiles(output: string): Promise<void> {
  const prefix = `.${basename(output)}.`;
  const names = await readdir(dirname(output)).catch(() => [] as string[]);
  await Promise.all(
    names.filter((n) => n.startsWith(prefix) && n.endsWith('.partial')).map((n) => removeQuietly(join(dirname(output), n))),
  );
}
