// The job journal: one JSON line per change, appended and fsynced before the change is
// announced, so a crash can lose no job. Replaying it rebuilds the jobs; on start it is
// rewritten compacted (temp + rename) so it does not grow without bound.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Job } from '../../src/protocol/messages.js';

export type JournalEntry = { type: 'job'; job: Job } | { type: 'forget'; id: string };

export class Journal {
  private fd: number;
  readonly path: string;

  private constructor(path: string, fd: number) {
    this.path = path;
    this.fd = fd;
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
    const compacted = `${path}.compact`;
    const fd = openSync(compacted, 'w', 0o600);
    for (const job of jobs.values()) writeSync(fd, `${JSON.stringify({ type: 'job', job })}\n`);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(compacted, path);
    return { journal: new Journal(path, openSync(path, 'a', 0o600)), jobs: [...jobs.values()], skipped };
  }

  /** Durably records the job's current state. */
  record(job: Job): void {
    writeSync(this.fd, `${JSON.stringify({ type: 'job', job })}\n`);
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}
