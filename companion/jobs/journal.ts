// The job journal: one JSON line per change, appended and fsynced before the change is
// announced, so a crash can lose no job. Replaying it rebuilds the jobs. It is rewritten
// compacted (temp + rename) on start, and while running once its lines outnumber the jobs
// it holds several times over, so a companion left running for weeks keeps it small.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Job } from '../../src/protocol/messages.js';

export type JournalEntry = { type: 'job'; job: Job } | { type: 'forget'; id: string };

/** Lines beyond which a running journal is compacted, as a multiple of the jobs it holds (and at least MIN_LINES). */
const COMPACT_RATIO = 4;
const MIN_LINES = 1000;

export class Journal {
  private fd: number;
  /** Lines in the file: the compacted jobs, then every append since. */
  private lines: number;
  readonly path: string;

  private constructor(path: string, fd: number, lines: number) {
    this.path = path;
    this.fd = fd;
    this.lines = lines;
  }

  /** Reads every job recorded in `dir`, rewrites the journal compacted, and opens it for appending. */
  static open(dir: string): { journal: Journal; jobs: Job[]; skipped: number } {
    const path = join(dir, 'jobs.jsonl');
    const jobs = new Map<string, Job>();
    let skipped = 0;
    if (existsSync(path)) {
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          const entry = JSON.parse(line) as JournalEntry;
          if (entry.type === 'job') jobs.set(entry.job.id, entry.job);
          else if (entry.type === 'forget') jobs.delete(entry.id);
        } catch {
          skipped++; // a line torn by a crash mid-append; everything before it is intact
        }
      }
    }
    writeCompacted(path, jobs.values());
    return { journal: new Journal(path, openSync(path, 'a', 0o600), jobs.size), jobs: [...jobs.values()], skipped };
  }

  /** Durably records the job's current state. */
  record(job: Job): void {
    this.append({ type: 'job', job });
  }

  /** Durably drops a job from the record. */
  forget(id: string): void {
    this.append({ type: 'forget', id });
  }

  /** Rewrites the journal as `jobs` (all it holds) when appends have made it several times longer. */
  compactIfLong(jobs: Iterable<Job>, count: number): void {
    if (this.lines <= Math.max(MIN_LINES, COMPACT_RATIO * count)) return;
    try {
      writeCompacted(this.path, jobs);
    } catch {
      // Only an economy: the long journal is still whole and still appended to.
      return;
    }
    // The old descriptor writes to the replaced file; appends go to the new one from here.
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a', 0o600);
    this.lines = count;
  }

  close(): void {
    closeSync(this.fd);
  }

  private append(entry: JournalEntry): void {
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
    fsyncSync(this.fd);
    this.lines++;
  }
}

/** Replaces the journal at `path` by one line per job, atomically: a crash leaves the old or the new file whole. */
function writeCompacted(path: string, jobs: Iterable<Job>): void {
  const compacted = `${path}.compact`;
  const fd = openSync(compacted, 'w', 0o600);
  for (const job of jobs) writeSync(fd, `${JSON.stringify({ type: 'job', job })}\n`);
  fsyncSync(fd);
  closeSync(fd);
  renameSync(compacted, path);
}
