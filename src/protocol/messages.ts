// Every method and notification between the panel and the companion: params and results as
// schemas, types derived from them. The companion validates with these; the panel's client
// is typed by them.
import { z } from 'zod';
import { StepSpecSchema } from './recipe.js';

export const PROTOCOL_VERSION = 1;

export const CODEC_NAMES = ['prores', 'h264', 'dnxhr', 'ffv1'] as const;

export const JOB_STATES = ['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted'] as const;
export const JobStateSchema = z.enum(JOB_STATES);
export type JobState = z.infer<typeof JobStateSchema>;

const path = z.string().min(1).max(4096);
const jobId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a job id');

export const RangeSchema = z
  .object({ inS: z.number().min(0).max(1e7), outS: z.number().min(0).max(1e7) })
  .strict()
  .refine((r) => r.outS > r.inS, { message: 'outS must be after inS', path: ['outS'] });

export const ProgressSchema = z.object({
  frame: z.number(),
  total: z.number(),
  fps: z.number(),
  etaS: z.number().nullable(),
});

export const JobSubmitParamsSchema = z
  .object({
    source: path,
    range: RangeSchema.optional(),
    handles: z.number().int().min(0).max(100_000).optional(),
    steps: z.array(StepSpecSchema).max(16),
    output: z
      .object({ dir: path.optional(), path: path.optional(), codec: z.enum(CODEC_NAMES).optional() })
      .strict()
      .optional(),
  })
  .strict();

export const JobResultSchema = z.object({
  output: z.string(),
  sidecar: z.string(),
  frames: z.number(),
  fps: z.string(),
  width: z.number(),
  height: z.number(),
  seconds: z.number(),
  handles: z.object({ head: z.number(), tail: z.number() }),
  range: z.object({ inS: z.number(), outS: z.number() }),
  codec: z.string(),
  timecode: z.string(),
  warnings: z.array(z.string()),
});

export const JobSchema = z.object({
  id: z.string(),
  state: JobStateSchema,
  source: z.string(),
  range: z.object({ inS: z.number(), outS: z.number() }).optional(),
  handles: z.number(),
  steps: z.array(StepSpecSchema),
  output: z.object({ path: z.string(), codec: z.enum(CODEC_NAMES) }),
  progress: ProgressSchema.optional(),
  error: z.string().optional(),
  result: JobResultSchema.optional(),
  attempts: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const JobUpdatedSchema = z.object({
  jobId: z.string(),
  state: JobStateSchema,
  progress: ProgressSchema.optional(),
  output: z.string().optional(),
  error: z.string().optional(),
});

const empty = z.object({}).strict().optional();
const byJob = z.object({ jobId }).strict();

/** The method table: one entry per method, params validated by the companion. */
export const METHODS = {
  'session.hello': {
    params: z.object({ token: z.string().max(256), client: z.string().max(128).optional() }).strict(),
    result: z.object({ version: z.string(), protocol: z.number(), pid: z.number() }),
  },
  'system.info': { params: empty, result: z.record(z.string(), z.unknown()) },
  'jobs.submit': { params: JobSubmitParamsSchema, result: z.object({ jobId: z.string() }) },
  'jobs.cancel': { params: byJob, result: z.object({ jobId: z.string(), state: JobStateSchema }) },
  'jobs.retry': { params: byJob, result: z.object({ jobId: z.string(), state: JobStateSchema }) },
  'jobs.get': { params: byJob, result: JobSchema },
  'jobs.list': {
    params: z.object({ state: JobStateSchema.optional() }).strict().optional(),
    result: z.object({ jobs: z.array(JobSchema) }),
  },
  'luts.list': { params: empty, result: z.object({ luts: z.array(z.record(z.string(), z.unknown())) }) },
  'models.list': { params: empty, result: z.object({ models: z.array(z.record(z.string(), z.unknown())) }) },
  'preview.frame': {
    params: z
      .object({
        source: path,
        timeS: z.number().min(0).max(1e7),
        steps: z.array(StepSpecSchema).max(16),
        maxWidth: z.number().int().min(16).max(8192).optional(),
      })
      .strict(),
    result: z.object({ before: z.string(), after: z.string(), width: z.number(), height: z.number() }),
  },
} as const;

export const NOTIFICATIONS = { 'job.updated': JobUpdatedSchema } as const;

export type MethodName = keyof typeof METHODS;
export type Params<M extends MethodName> = z.infer<(typeof METHODS)[M]['params']>;
export type Result<M extends MethodName> = z.infer<(typeof METHODS)[M]['result']>;
export type Job = z.infer<typeof JobSchema>;
export type JobUpdated = z.infer<typeof JobUpdatedSchema>;
export type JobSubmitParams = z.infer<typeof JobSubmitParamsSchema>;
export type JobResult = z.infer<typeof JobResultSchema>;
export type Progress = z.infer<typeof ProgressSchema>;

/** Origins the companion accepts besides none at all: CEP panels load from file://, UXP plugins from plugin:/uxp:. */
export const ALLOWED_ORIGIN_PREFIXES = ['file://', 'plugin:', 'uxp:'] as const;
