// What each protocol method does. Params arrive already validated against src/protocol.
import type { MethodName, Params, Result } from '../../src/protocol/messages.js';
import { PROTOCOL_VERSION } from '../../src/protocol/messages.js';
import { doctor } from '../doctor.js';
import type { JobQueue } from '../jobs/queue.js';
import { checkReadableFile } from '../jobs/validate.js';
import { listLuts } from '../luts/library.js';
import { listModels } from '../models/registry.js';
import { providerReport } from '../models/runtime.js';
import { previewFrame } from '../pipeline/preview.js';
import type { WorkerPool } from '../pipeline/workers.js';
import { VERSION } from '../version.js';

export interface MethodContext {
  queue: JobQueue;
  stateDir: string;
  /** Workers for previews only, so a preview never waits behind a render. */
  previewWorkers: WorkerPool;
}

type Handlers = { [M in MethodName]: (params: Params<M>, ctx: MethodContext) => Promise<Result<M>> };

export const HANDLERS: Handlers = {
  'session.hello': async () => ({ version: VERSION, protocol: PROTOCOL_VERSION, pid: process.pid }),
  'system.info': async (_params, ctx) => {
    // Probe the inference provider without blocking the event loop; doctor() then reads the cache.
    await providerReport().catch(() => undefined);
    return {
      ...doctor(ctx.stateDir),
      protocol: PROTOCOL_VERSION,
      pid: process.pid,
      queueLength: ctx.queue.length,
      // A damaged model index must not hide the rest of the report (models.list says what is wrong).
      models: await listModels(ctx.stateDir).catch(() => []),
    };
  },
  'jobs.submit': async (params, ctx) => ({ jobId: (await ctx.queue.submit(params)).id }),
  'jobs.cancel': async ({ jobId }, ctx) => ({ jobId, state: ctx.queue.cancel(jobId).state }),
  'jobs.retry': async ({ jobId }, ctx) => ({ jobId, state: ctx.queue.retry(jobId).state }),
  'jobs.get': async ({ jobId }, ctx) => ctx.queue.get(jobId),
  'jobs.list': async (params, ctx) => ({ jobs: ctx.queue.list(params?.state) }),
  'luts.list': async (_params, ctx) => ({ luts: (await listLuts(ctx.stateDir)).map((l) => ({ ...l })) }),
  'models.list': async (_params, ctx) => {
    await providerReport().catch(() => undefined);
    return { models: (await listModels(ctx.stateDir)).map((m) => ({ ...m })) };
  },
  'preview.frame': async (params, ctx) =>
    previewFrame({ ...params, source: await checkReadableFile('params.source', params.source) }, ctx.stateDir, ctx.previewWorkers),
};
