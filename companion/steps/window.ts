// The frame bookkeeping of a temporal step that looks `radius` frames ahead: frame t is
// released once frame t + radius is in, or at the end. The step says what taking a frame in
// and releasing one mean; frames are numbered from 0 in the order they came.
import { allDone } from '../pipeline/frames.js';
import type { Frame, StepInstance } from './step.js';

export interface TemporalStep {
  /** Takes frame `index` in (it is the step's until released). */
  take(frame: Frame, index: number): Promise<void>;
  /** Releases frame `index`, with `taken` frames in so far (so index + radius < taken unless at the end). */
  release(index: number, taken: number): Promise<Frame>;
  /** Lets go of what the step holds, once nothing runs on it any more. */
  close?(): void;
  /**
   * Whether a frame may be taken in while the frames before it are released. Each kernel's
   * last band leaves a worker waiting; two chains of kernels fill each other's gaps. A frame
   * then leaves one push later, and release is told only of the frames taken before.
   */
  overlap?: boolean;
}

export function slidingWindow(name: string, width: number, height: number, radius: number, step: TemporalStep): StepInstance {
  let taken = 0;
  let released = 0;
  const drain = async (ahead: number, upTo = taken): Promise<Frame[]> => {
    const out: Frame[] = [];
    while (released + ahead < upTo) out.push(await step.release(released++, upTo));
    return out;
  };
  return {
    outputSize: (w, h) => ({ width: w, height: h }),
    async push(frame) {
      if (frame.width !== width || frame.height !== height) throw new Error(`${name}: frame is ${frame.width}x${frame.height}, expected ${width}x${height}`);
      if (!step.overlap) {
        await step.take(frame, taken++);
        return drain(radius);
      }
      const [out] = await allDone([drain(radius, taken), step.take(frame, taken).then(() => [])]);
      taken++;
      return out!;
    },
    flush: () => drain(0),
    close: async () => step.close?.(),
  };
}
