// The face step as the pipeline and the preview create it, with a face model installed in a state folder.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ASTRONAUT, ASTRONAUT_FACE, readImage, templateMarks } from '../../test/support/faces.js';
import { inlinePool } from '../../test/support/kernels.js';
import { tempDir } from '../../test/support/media.js';
import { faceNet } from '../../test/support/onnx-fixtures.js';
import type { MediaInfo } from '../media/probe.js';
import { addModel } from '../models/registry.js';
import { faceStep } from './face.js';

async function context(frames?: number) {
  const stateDir = await tempDir('refinery-face-step-');
  return { source: {} as MediaInfo, width: 512, height: 512, stateDir, workers: inlinePool(), frames };
}

describe('the face step', () => {
  it('at strength 0 passes frames through untouched without loading anything', async () => {
    const step = await faceStep.create(faceStep.options.parse({ op: 'face', strength: 0 }), await context());
    const frame = await readImage(ASTRONAUT);
    const copy = frame.data.slice();
    const [out] = await step.push(frame);
    expect(out!.data).toEqual(copy);
    expect(step.notes?.() ?? []).toEqual([]);
    await step.close();
  });

  it('restores a preview frame with the installed face model and names it', async () => {
    const ctx = await context(1);
    const model = join(ctx.stateDir, 'marks.onnx');
    await writeFile(model, faceNet({ offset: templateMarks(0.6, 3) }));
    await addModel(ctx.stateDir, model, { task: 'face', id: 'marks' });
    const step = await faceStep.create(faceStep.options.parse({ op: 'face' }), ctx);
    const frame = await readImage(ASTRONAUT);
    const before = frame.data.slice();
    const [out] = await step.push(frame);
    // The network's dot on the left eye shows within a few pixels of it.
    const eye = ASTRONAUT_FACE.leftEye;
    let strongest = 0;
    for (let y = Math.round(eye.y) - 5; y <= eye.y + 5; y++) {
      for (let x = Math.round(eye.x) - 5; x <= eye.x + 5; x++) strongest = Math.max(strongest, out!.data[(y * 512 + x) * 3 + 1]! - before[(y * 512 + x) * 3 + 1]!);
    }
    expect(strongest).toBeGreaterThan(0.1 * 65535);
    // Far from the face nothing moves.
    expect(out!.data.subarray(0, 512 * 3 * 20)).toEqual(before.subarray(0, 512 * 3 * 20));
    expect(step.notes!()).toEqual([expect.stringMatching(/^face: 1 face\(s\) restored in 1 of 1 frames with face model marks; detected by BlazeFace/)]);
    await step.close();
    expect(faceStep.describe(faceStep.options.parse({ op: 'face', model: 'marks', strength: 0.5 }))).toBe('face marks @ 0.5');
  });
});
