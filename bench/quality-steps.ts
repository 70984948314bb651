// Running a step over whole clips in the quality harness.
import type { StepInstance } from '../companion/steps/step.js';

/** Runs a step over copies of the frames (in shared memory, as the pipeline gives them); returns its output and time. */
export async function runStep(step: StepInstance, frames: Uint16Array[], width: number, height: number): Promise<{ frames: Uint16Array[]; seconds: number }> {
  const inputs = frames.map((f) => {
    const data = new Uint16Array(new SharedArrayBuffer(f.byteLength));
    data.set(f);
    return { width, height, data };
  });
  const started = performance.now();
  const out = [];
  for (const f of inputs) out.push(...(await step.push(f)));
  out.push(...(await step.flush()));
  const seconds = (performance.now() - started) / 1000;
  await step.close();
  if (out.length !== frames.length) throw new Error(`step returned ${out.length} frames for ${frames.length}`);
  return { frames: out.map((f) => f.data), seconds };
}
