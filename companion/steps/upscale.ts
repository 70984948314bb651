// Neural upscaling by exactly 2 or 4: the task's model (our own default, the slim ESRGAN
// otherwise, or the recipe's `model`) runs in ONNX Runtime over tiles sized to memory, with
// mirrored edges and feathered overlaps; its low frequencies are pinned to the input's
// (upscale-lowpass.ts) and its detail is held steady where the picture does not change
// (upscale-temporal.ts).
import { type UpscaleStep, UpscaleStepSchema } from '../../src/protocol/recipe.js';
import { resolveModel, type Task } from '../models/registry.js';
import { sessionRunner, tileBatch } from '../models/runtime.js';
import { defaultBytesPerPixel, defaultMemoryBudget, runTiled, tileSizeForBudget, type TileOptions } from '../models/tiling.js';
import { sharedFrame } from '../pipeline/frames.js';
import type { StepDefinition } from './step.js';
import { framePlanar, planarIntoFrame } from './upscale-planes.js';
import { matchLowFrequencies } from './upscale-lowpass.js';
import { DetailStabilizer } from './upscale-temporal.js';

/**
 * Input pixels each tile reads beyond what it keeps, and the feathered overlap: the ESRGAN
 * networks see about 10 pixels (RDN) to a few tens (RRDN, mostly negligible) around a pixel.
 */
export const UPSCALE_TILES = { context: 16, overlap: 16 } as const;
/** On CPU, tiles beyond this many input pixels a side stop helping speed and only cost memory. */
const CPU_TILE = 384;

export const upscaleStep: StepDefinition<UpscaleStep> = {
  op: 'upscale',
  options: UpscaleStepSchema,
  describe: (o) => `upscale x${o.scale}${o.model ? ` (${o.model})` : ''}`,
  async create(options, context) {
    const task: Task = options.scale === 4 ? 'upscale-x4' : 'upscale-x2';
    const resolved = await resolveModel(context.stateDir, task, options.model);
    const model = await resolved.open();
    const run = sessionRunner(model);
    const tiles: TileOptions = {
      scale: options.scale,
      ...UPSCALE_TILES,
      batch: tileBatch(model),
      ...(model.provider === 'cpu' ? { tile: Math.min(CPU_TILE, tileSizeForBudget(defaultMemoryBudget(), defaultBytesPerPixel(3, 3, options.scale), UPSCALE_TILES.context)) } : {}),
    };
    // A single frame (a preview) has no past to stay steady with.
    const stabilizer = context.frames === 1 ? undefined : new DetailStabilizer(options.scale);
    return {
      outputSize: (width, height) => ({ width: width * options.scale, height: height * options.scale }),
      async push(frame) {
        const input = framePlanar(frame);
        let output = matchLowFrequencies(input, await runTiled(input, run, tiles), options.scale);
        if (stabilizer) output = stabilizer.apply(input, output);
        const out = sharedFrame(output.width, output.height);
        planarIntoFrame(output, out);
        return [out];
      },
      flush: async () => [],
      close: () => model.session.release(),
      notes: () => [
        `upscale: x${options.scale} with ${resolved.id} (${resolved.source}) on ${model.provider}${model.fallbackFrom ? ` (${model.fallbackFrom.provider} failed: ${model.fallbackFrom.error})` : ''}`,
      ],
    };
  },
};
