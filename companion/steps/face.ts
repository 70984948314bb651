// Restores faces: detected and tracked across frames (BlazeFace + FaceMesh from npm), aligned
// to the FFHQ template, restored by a face model (GFPGAN v1.4-compatible or CodeFormer) or,
// without one, by the shipped super-resolution network at the face's own scale, and blended
// back under a feathered mask with matched colour. See companion/face/.
import { type FaceStep, FaceStepSchema } from '../../src/protocol/recipe.js';
import { createDetector } from '../face/detect.js';
import { FaceRestoration } from '../face/restore.js';
import { openRestorer, registryModels, type Restorer } from '../face/restorer.js';
import { findModel } from '../models/registry.js';
import { type StepDefinition, StepOptionError } from './step.js';

// A preview creates the step for every frame it shows; the networks it opened stay open this
// long after their last use, so the next preview does not load a 300 MB model again.
const KEEP_OPEN_MS = 60_000;
const opened = new Map<string, { restorer: Promise<Restorer>; users: number; timer?: NodeJS.Timeout }>();

async function acquire(stateDir: string, model: string | undefined): Promise<{ restorer: Restorer; release: () => void }> {
  const key = `${stateDir}\0${model ?? ''}`;
  let entry = opened.get(key);
  if (!entry) {
    entry = { restorer: openRestorer(registryModels(stateDir), model), users: 0 };
    opened.set(key, entry);
    entry.restorer.catch(() => opened.delete(key));
  }
  const held = entry;
  held.users++;
  clearTimeout(held.timer);
  const restorer = await held.restorer;
  let released = false;
  return {
    restorer,
    release() {
      if (released) return;
      released = true;
      if (--held.users > 0) return;
      held.timer = setTimeout(() => {
        opened.delete(key);
        void restorer.close();
      }, KEEP_OPEN_MS).unref();
    },
  };
}

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
    const detector = await createDetector();
    const { restorer, release } = await acquire(context.stateDir, options.model);
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
