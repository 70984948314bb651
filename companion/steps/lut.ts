// Grades with a 3D/1D LUT (.cube file or preset), blended by strength.
import { type LutStep, LutStepSchema } from '../../src/protocol/recipe.js';
import type { CubeLut } from '../luts/cube.js';
import { type Interpolation, type PreparedLut, prepareLut } from '../luts/interpolate.js';
import { resolveLut } from '../luts/library.js';
import { inBands } from '../pipeline/frames.js';
import { shareArrays } from '../pipeline/workers.js';
import { type StepDefinition, StepOptionError } from './step.js';

const KERNEL = new URL('../luts/interpolate.js', import.meta.url).href;
const HDR_TRANSFERS: Record<string, string> = { smpte2084: 'PQ', 'arib-std-b67': 'HLG' };

// The library hands out the same parsed LUT while its file is unchanged, so its prepared
// tables (which previews would otherwise rebuild on every request) live as long as it does.
const prepared = new WeakMap<CubeLut, Map<Interpolation, PreparedLut>>();

function preparedFor(lut: CubeLut, interpolation: Interpolation): PreparedLut {
  let byMode = prepared.get(lut);
  if (!byMode) prepared.set(lut, (byMode = new Map()));
  let table = byMode.get(interpolation);
  if (!table) byMode.set(interpolation, (table = shareArrays(prepareLut(lut, interpolation))));
  return table;
}

export const lutStep: StepDefinition<LutStep> = {
  op: 'lut',
  options: LutStepSchema,
  describe: (o) => `lut ${o.path}${o.strength < 1 ? ` @ ${o.strength}` : ''}`,
  async check(options, stateDir) {
    await resolveLut(options.path, stateDir).catch((e: Error) => {
      throw new StepOptionError('path', e.message);
    });
  },
  async create(options, context) {
    const { lut } = await resolveLut(options.path, context.stateDir);
    const table = preparedFor(lut, options.interpolation);
    const hdr = HDR_TRANSFERS[context.source.colour.transfer ?? ''];
    return {
      outputSize: (width, height) => ({ width, height }),
      async push(frame) {
        if (options.strength > 0) {
          await inBands(context.workers, KERNEL, 'applyLut', frame.width, frame.height, [table, frame.data, frame.data], [options.strength]);
        }
        return [frame];
      },
      flush: async () => [],
      close: async () => undefined,
      // The graded file keeps the source's HDR tags; a look made for Rec.709 (every preset is)
      // lands on HDR code values as they are, which the editor should hear about.
      notes: () => (hdr ? [`lut: the source is HDR (${hdr}); ${options.path} is applied to its code values as they are, and a Rec.709 look will not look right on it`] : []),
    };
  },
};
