// The models that ship in the repo (models/builtin.json, issue #9): each file is the one the
// manifest names (sha256, size), loads in onnxruntime-node with the declared inputs and
// outputs, and turns an odd-sized frame into one scale x as large.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSignature, readBuiltIns, taskScale } from '../companion/models/registry.js';
import { createSession, onnxruntime } from '../companion/models/runtime.js';
import { REPO } from './support/media.js';

const models = readBuiltIns(join(REPO, 'models'));

describe('built-in models', () => {
  it('lists our x2, x4 and clean models, at most one default per task, under 20 MB together', () => {
    expect(new Set(models.map((m) => m.task))).toEqual(new Set(['upscale-x2', 'upscale-x4', 'clean']));
    for (const task of ['upscale-x2', 'upscale-x4', 'clean']) {
      expect(models.filter((m) => m.task === task && m.default).length).toBeLessThanOrEqual(1);
    }
    expect(models.reduce((s, m) => s + m.size, 0)).toBeLessThan(20 * 1024 * 1024);
  });

  it.each(models.map((m) => [m.id, m] as const))('%s matches its sha256 and runs with the declared signature', async (_id, m) => {
    const bytes = await readFile(m.path);
    expect(bytes.length).toBe(m.size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(m.sha256);

    const s = await createSession(m.path, { provider: 'cpu', threads: 1 });
    expect(s.inputs).toEqual(m.inputs);
    expect(s.outputs).toEqual(m.outputs);
    checkSignature(m.task, s.inputs, s.outputs);

    const [h, w] = [27, 45];
    const data = new Float32Array(3 * h * w).map((_, i) => ((i * 37) % 255) / 255);
    const y = (await s.session.run({ input: new (onnxruntime().Tensor)('float32', data, [1, 3, h, w]) })).output!;
    const scale = taskScale(m.task);
    expect(y.dims).toEqual([1, 3, h * scale, w * scale]);
    expect((y.data as Float32Array).every(Number.isFinite)).toBe(true);
  });
});
