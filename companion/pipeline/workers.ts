// A small pool of worker threads that runs kernels (plain exported functions of a module)
// so that pixel work never blocks the thread that pumps ffmpeg's pipes. Frames and tables
// live in SharedArrayBuffers, so a task posts handles, not pixels.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

interface Task {
  id: number;
  module: string;
  fn: string;
  args: unknown[];
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  task?: Task;
}

export interface WorkerReply {
  id: number;
  result?: unknown;
  error?: string;
}

export class WorkerPool {
  readonly size: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;

  constructor(size = availableParallelism()) {
    this.size = Math.max(1, size);
  }

  /** Runs `fn(...args)` from `module` (a file URL) on a worker; resolves with its return value. */
  run<T>(module: string, fn: string, args: unknown[]): Promise<T> {
    if (this.closed) return Promise.reject(new Error('worker pool is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, module, fn, args, resolve: resolve as (v: unknown) => void, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new Error('worker pool closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  private dispatch(): void {
    while (this.queue.length) {
      let slot = this.slots.find((s) => !s.task);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const task = this.queue.shift()!;
      slot.task = task;
      // A busy worker keeps the process alive (a CLI waiting on its reply would otherwise
      // exit with the work undone); an idle one does not.
      slot.worker.ref();
      slot.worker.postMessage({ id: task.id, module: task.module, fn: task.fn, args: task.args });
    }
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./worker.js', import.meta.url));
    const slot: Slot = { worker };
    worker.unref();
    worker.on('message', (reply: WorkerReply) => {
      const task = slot.task;
      slot.task = undefined;
      slot.worker.unref();
      if (task) {
        if (reply.error !== undefined) task.reject(new Error(reply.error));
        else task.resolve(reply.result);
      }
      this.dispatch();
    });
    worker.on('error', (error) => {
      slot.task?.reject(error);
      slot.task = undefined;
      this.slots.splice(this.slots.indexOf(slot), 1);
      this.dispatch();
    });
    this.slots.push(slot);
    return slot;
  }
}

/** Copies every typed array of a plain object into shared memory, so posting it is free. */
export function shareArrays<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const typed = v as unknown as { constructor: new (b: SharedArrayBuffer) => { set(a: unknown): void }; byteLength: number };
      const copy = new typed.constructor(new SharedArrayBuffer(typed.byteLength));
      copy.set(v);
      out[key] = copy;
    } else if (v && typeof v === 'object' && !Array.isArray(v)) {
      out[key] = shareArrays(v as object);
    } else {
      out[key] = v;
    }
  }
  return out as T;
}
