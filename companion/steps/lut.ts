// Grades with a 3D/1D LUT (.cube file or preset), blended by strength.
import { type LutStep, LutStepSchema } from '../../src/protocol/recipe.js';
import { prepareLut } from '../luts/interpolate.js';
import { resolveLut } from '../luts/library.js';
import { inBands } from '../pipeline/frames.js';
import { shareArrays } from '../pipeline/workers.js';
import type { StepDefinition } from './step.js';

const KERNEL = new URL('../luts/interpolate.js', import.meta.url).href;

export const lutStep: StepDefinition<LutStep> = {
  op: 'lut',
  options: LutStepSchema,
  describe: (o) => `lut ${o.path}${o.strength < 1 ? ` @ ${o.strength}` : ''}`,
  async create(options, context) {
    const { lut } = await resolveLut(options.path, context.stateDir);
    const prepared = shareArrays(prepareLut(lut, options.interpolation));
    return {
      outputSize: (width, height) => ({ width, height }),
      async push(frame) {
        if (options.strength > 0) {
          await inBands(context.workers, KERNEL, 'applyLut', frame.width, frame.height, [prepared, frame.data, frame.data], [options.strength]);
        }
        return [frame];
      },
      flush: async () => [],
      close: async () => undefined,
    };
  },
};
