// Running step kernels in unit tests: on this thread, from the TypeScript sources.
import { fileURLToPath } from 'node:url';
import type { WorkerPool } from '../../companion/pipeline/workers.js';

/** A WorkerPool stand-in that runs kernels here, importing the .ts beside the compiled name. */
export function inlinePool(): WorkerPool {
  return {
    size: 2,
    async run(module: string, fn: string, args: unknown[]) {
      const mod = (await import(fileURLToPath(module).replace(/\.js$/, '.ts'))) as Record<string, (...a: unknown[]) => unknown>;
      return mod[fn]!(...args);
    },
    close: async () => undefined,
  } as unknown as WorkerPool;
}

/** A repeatable pseudo-random sequence in [0, 1). */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}
