// Every step, in the fixed order they run: clean → deflicker → face → upscale → lut.
// Adding a step is adding its file here and its options schema in src/protocol/recipe.ts.
import type { StepOp, StepSpec } from '../../src/protocol/recipe.js';
import { cleanStep } from './clean.js';
import { deflickerStep } from './deflicker.js';
import { faceStep } from './face.js';
import { lutStep } from './lut.js';
import { upscaleStep } from './upscale.js';
import { type StepDefinition, StepOptionError } from './step.js';

export const STEPS: StepDefinition<any>[] = [cleanStep, deflickerStep, faceStep, upscaleStep, lutStep];

export function stepDefinition(op: StepOp): StepDefinition<StepSpec> {
  const found = STEPS.find((s) => s.op === op);
  if (!found) throw new Error(`unknown step "${op}"`);
  return found;
}

/** The recipe's steps sorted into the fixed running order, whatever order they came in. */
export function inRunningOrder(steps: StepSpec[]): StepSpec[] {
  const rank = (s: StepSpec) => STEPS.findIndex((d) => d.op === s.op);
  return [...steps].sort((a, b) => rank(a) - rank(b));
}

/** The frame size after every step of a recipe, for frames of `width`x`height`. */
export function outputSizeOf(steps: StepSpec[], width: number, height: number): { width: number; height: number } {
  return steps.reduce((size, step) => stepDefinition(step.op).outputSize?.(step, size.width, size.height) ?? size, { width, height });
}

/** Runs every step's check() in recipe order; a refusal says which step (index as given) and option. */
export async function checkSteps(steps: StepSpec[], stateDir: string): Promise<void> {
  for (const [index, step] of steps.entries()) {
    await stepDefinition(step.op)
      .check?.(step, stateDir)
      .catch((e: Error) => {
        throw new StepOptionError(e instanceof StepOptionError ? e.option : 'op', e.message, index);
      });
  }
}
