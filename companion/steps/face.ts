// Restores faces: detected and tracked across frames (BlazeFace + FaceMesh from npm), aligned
// to the FFHQ template, restored by a face model (GFPGAN v1.4-compatible or CodeFormer) or,
// without one, by the shipped super-resolution network at the face's own scale, and blended
// back under a feathered mask with matched colour. See companion/face/.
import { type FaceStep, FaceStepSchema } from '../../src/protocol/recipe.js';
import { createDetector } from '../face/detect.js';
import { FaceRestoration } from '../face/restore.js';
import { openRestorer, registryModels } from '../face/restorer.js';
import { keptOpen } from '../models/kept-open.js';
import { findModel } from '../models/registry.js';
import { type StepDefinition, StepOptionError } from './step.js';

export const faceStep: StepDefinition<FaceStep> = {
  op: 'face',
  options: FaceStepSchema,
  describe: (o) => `face${o.model ? ` ${o.model}` : ''}${o.strength < 1 ? ` @ ${o.strength}` : ''}`,
  async check(options, stateDir) {
    if (options.model === undefined) return;
    await findModel(stateDir, 'face', options.model).catch((e: Error) => {
      throw new StepOptionError('model', e.message);
    });
  },
  async create(options, context) {
    const passThrough = { outputSize: (width: number, height: number) => ({ width, height }), flush: async () => [], close: async () => undefined };
    if (options.strength <= 0) return { ...passThrough, push: async (frame) => [frame] };
    const detector = await createDetector(context.workers);
    const { value: restorer, release } = await keptOpen(
      `face\0${context.stateDir}\0${options.model ?? ''}`,
      () => openRestorer(registryModels(context.stateDir), options.model),
      (r) => r.close(),
    );
    // A single frame (a preview) has no neighbours to be steady with.
    const restoration = new FaceRestoration(detector, restorer, { strength: options.strength, temporal: (context.frames ?? Infinity) > 1 });
    return {
      ...passThrough,
      async push(frame) {
        await restoration.process(frame);
        return [frame];
      },
      close: async () => release(),
      notes() {
        const s = restoration.stats;
        return [`face: ${s.tracks} face(s) restored in ${s.framesWithFaces} of ${s.frames} frames with ${restorer.description}; detected by ${detector.name}`];
      },
    };
  },
};
