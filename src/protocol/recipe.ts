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

export const StepSpecSchema = z.discriminatedUnion('op', [LutStepSchema]);

export type LutStep = z.infer<typeof LutStepSchema>;
export type StepSpec = z.infer<typeof StepSpecSchema>;
export type StepOp = StepSpec['op'];
