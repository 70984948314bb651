// The training pipeline's CI path (issue #9): a few steps of every model on four generated
// images, the ONNX export, and the exported graph run in onnxruntime-node against the PyTorch
// output on the same input. Needs Debian's PyTorch; it fails, never skips, without it.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { readBuiltIns } from '../companion/models/registry.js';
import { createSession, onnxruntime } from '../companion/models/runtime.js';
import { REPO, tempDir } from './support/media.js';

const run = promisify(execFile);
const PYTHON = process.env.REFINERY_PYTHON ?? '/usr/bin/python3';
const APT = 'apt-get install -y python3-torch python3-onnx python3-pil python3-numpy';
let out: string;

async function floats(path: string): Promise<Float32Array> {
  const b = await readFile(path);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

beforeAll(async () => {
  try {
    await run(PYTHON, ['-c', 'import torch, onnx, PIL, numpy']);
  } catch (error) {
    throw new Error(`the training pipeline needs Debian's PyTorch under ${PYTHON}: ${APT} (${String(error).split('\n')[0]})`);
  }
  out = await tempDir('refinery-training-');
  // No __pycache__ in the working tree.
  await run(PYTHON, ['-B', '-W', 'ignore', join(REPO, 'training', 'smoke.py'), '--out', out], { timeout: 150_000 });
}, 180_000);

describe('training smoke run (CI)', () => {
  it('exports x2, x4 and clean models that onnxruntime-node runs exactly like PyTorch', async () => {
    const models = readBuiltIns(join(out, 'models'));
    expect(models.map((m) => m.id).sort()).toEqual(['refinery-clean', 'refinery-x2', 'refinery-x4']);
    for (const m of models) {
      const bytes = await readFile(m.path);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(m.sha256);
      expect(bytes.length).toBe(m.size);

      const s = await createSession(m.path, { provider: 'cpu', threads: 1 });
      expect(s.inputs).toEqual(m.inputs);
      expect(s.outputs).toEqual(m.outputs);
      expect(s.inputs).toEqual([{ name: 'input', shape: ['N', 3, 'H', 'W'], type: 'float32' }]);

      const kind = m.id.replace('refinery-', '');
      const refDir = join(out, 'reference', kind);
      const shapes = JSON.parse(await readFile(join(refDir, 'reference.json'), 'utf8')) as { input: number[]; output: number[] };
      const x = new (onnxruntime().Tensor)('float32', await floats(join(refDir, 'input.bin')), shapes.input);
      const y = (await s.session.run({ input: x })).output!;
      const want = await floats(join(refDir, 'output.bin'));
      expect(y.dims).toEqual(shapes.output);
      const scale = m.task === 'upscale-x4' ? 4 : m.task === 'upscale-x2' ? 2 : 1;
      expect(shapes.output).toEqual([1, 3, shapes.input[2]! * scale, shapes.input[3]! * scale]);
      const got = y.data as Float32Array;
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
      expect(worst, `${m.id}: largest difference to PyTorch`).toBeLessThan(1e-4);
    }
  });
});
