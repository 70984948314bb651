// Which network restores faces, and how each kind is fed.
import { describe, expect, it } from 'vitest';
import { convNet, faceNet } from '../../test/support/onnx-fixtures.js';
import { encodeModel } from '../models/onnx-proto.js';
import { createSession } from '../models/runtime.js';
import type { Planar } from '../models/tiling.js';
import { CODEFORMER_FIDELITY, type FaceModelSource, faceModelRestorer, openRestorer, pickScale } from './restorer.js';

function crop(value: number, size = 512): Planar {
  return { data: new Float32Array(3 * size * size).fill(value), channels: 3, height: size, width: size };
}

const cpu = (bytes: Uint8Array) => createSession(bytes, { provider: 'cpu' });

describe('face restorers', () => {
  it('feeds a GFPGAN-style model [-1, 1] and reads its answer back into [0, 1]', async () => {
    // output = 0.5 × input: 0.8 in [0, 1] is 0.6 in [-1, 1], halved 0.3, back in [0, 1] 0.65.
    const restorer = faceModelRestorer(await cpu(faceNet({ gain: 0.5 })), 'half');
    const out = await restorer.restore(crop(0.8), 150);
    expect(out.width).toBe(512);
    expect(out.data[1000]).toBeCloseTo(0.65, 5);
    expect(restorer.description).toBe('face model half');
  });

  it("gives a CodeFormer-style model its fidelity weight (a double) beside the picture", async () => {
    // output = input × w, w the second input: CodeFormer's signature.
    const model = encodeModel({
      name: 'fidelity',
      inputs: [{ name: 'x', shape: [1, 3, 512, 512] }, { name: 'w', elemType: 11, shape: [1] }],
      outputs: [{ name: 'y', shape: [1, 3, 512, 512] }],
      nodes: [
        { op: 'Cast', inputs: ['w'], outputs: ['wf'], attributes: { to: 1 } },
        { op: 'Mul', inputs: ['x', 'wf'], outputs: ['y'] },
      ],
    });
    const out = await faceModelRestorer(await cpu(model), 'codeformer').restore(crop(1), 150);
    expect(out.data[7]).toBeCloseTo((CODEFORMER_FIDELITY + 1) / 2, 5);
  });

  it('picks the super-resolution factor that keeps most of the face', () => {
    expect(pickScale([2, 4], 120)).toBe(4); // 128 px keep a 120 px face
    expect(pickScale([2, 4], 200)).toBe(2); // 128 px would drop too much of 200 px, 256 do not
    expect(pickScale([2, 4], 600)).toBe(2); // nothing keeps it all: the gentlest
    expect(pickScale([4], 600)).toBe(4);
  });

  it('falls back to the upscale networks when no face model is installed, opening only the one it needs', async () => {
    const loads: number[] = [];
    const source: FaceModelSource = {
      face: async () => undefined,
      upscale: async (scale) => ({
        async load() {
          loads.push(scale);
          return { id: `fixture-x${scale}`, session: await cpu(convNet(scale)) };
        },
      }),
    };
    const restorer = await openRestorer(source);
    expect(loads).toEqual([]);
    const out = await restorer.restore(crop(0.5), 200);
    expect([out.width, out.height]).toEqual([512, 512]);
    expect(loads).toEqual([2]);
    expect(restorer.description).toMatch(/^super-resolution \(fixture-x2\) at the face's own scale, as no face model is installed$/);
    await restorer.close();
  });

  it('prefers the face model, and says what to install when there is nothing to run', async () => {
    const withFace: FaceModelSource = { face: async () => ({ id: 'gfpgan-1.4', open: () => cpu(faceNet()) }), upscale: async () => undefined };
    expect((await openRestorer(withFace)).description).toBe('face model gfpgan-1.4');
    const empty: FaceModelSource = { face: async () => undefined, upscale: async () => undefined };
    await expect(openRestorer(empty)).rejects.toThrow(/refinery models fetch gfpgan-1\.4/);
  });
});
