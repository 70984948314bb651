// The recipe: which steps run and with what options. One schema per step, shared by the
// CLI, the companion's jobs.submit validation, the sidecar and the panel's controls.
import { z } from 'zod';

export const LutStepSchema = z.object({
  op: z.literal('lut'),
  /** A .cube file, or the name of a preset or user LUT from `refinery luts list`. */
  path: z.string().min(1, 'a LUT file or preset name is required'),
  strength: z.number().min(0).max(1).default(1),
  interpolation: z.enum(['tetrahedral', 'trilinear']).default('tetrahedral'),
});

/** Compression-artefact and noise removal; `off` on the command line means no clean step. */
export const CleanStepSchema = z.object({
  op: z.literal('clean'),
  strength: z.enum(['light', 'medium', 'strong']).default('medium'),
});

/** Temporal luminance flicker removal, global and on a block grid, cut- and fade-aware. */
export const DeflickerStepSchema = z.object({
  op: z.literal('deflicker'),
  /** Frames each side that the reference brightness is averaged over (within one shot). */
  radius: z.number().int().min(1).max(30).default(8),
  /** Also correct regional flicker on a block grid, not just the whole frame's. */
  local: z.boolean().default(true),
});

/** A model id from `refinery models list`; without one the task's default model runs. */
/** A model id: letters, digits, ".", "_" or "-", at most 64 (the registry's, the CLI's and the recipe's). */
export const MODEL_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/i;
const ModelIdSchema = z.string().regex(MODEL_ID, 'a model id from `refinery models list`');

/** Neural upscaling by an exact factor. */
export const UpscaleStepSchema = z.object({
  op: z.literal('upscale'),
  scale: z.union([z.literal(2), z.literal(4)]).default(2),
  model: ModelIdSchema.optional(),
});

/** Face restoration: detected, tracked and aligned faces restored and blended back. */
export const FaceStepSchema = z.object({
  op: z.literal('face'),
  /** How much of the restored face replaces the original (1 = all of it). */
  strength: z.number().min(0).max(1).default(1),
  model: ModelIdSchema.optional(),
});

export const StepSpecSchema = z.discriminatedUnion('op', [CleanStepSchema, DeflickerStepSchema, FaceStepSchema, UpscaleStepSchema, LutStepSchema]);

export type CleanStep = z.infer<typeof CleanStepSchema>;
export type DeflickerStep = z.infer<typeof DeflickerStepSchema>;
export type LutStep = z.infer<typeof LutStepSchema>;
export type UpscaleStep = z.infer<typeof UpscaleStepSchema>;
export type FaceStep = z.infer<typeof FaceStepSchema>;
export type StepSpec = z.infer<typeof StepSpecSchema>;
export type StepOp = StepSpec['op'];
