import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { convNet } from '../../test/support/onnx-fixtures.js';
import { addModel, BUILT_IN_MODELS, checkSignature, listModels, modelsDir, readBuiltIns } from './registry.js';

let dir: string;
let state: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refinery-models-'));
  state = join(dir, 'state');
});

async function fixture(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

describe('the model registry', () => {
  it('lists only the built-in models in a fresh state folder', async () => {
    const listed = await listModels(state);
    expect(listed.map((m) => m.id)).toEqual(BUILT_IN_MODELS.map((m) => m.id));
    expect(listed.every((m) => m.builtIn)).toBe(true);
  });

  it('reads a built-in manifest: paths beside it, default off unless set; no manifest means none', async () => {
    expect(readBuiltIns(join(dir, 'nowhere'))).toEqual([]);
    const entry = { id: 'ours-x2', task: 'upscale-x2', file: 'ours-x2.onnx', sha256: 'a'.repeat(64), size: 1, source: 'training/', addedAt: '2026-01-01', inputs: [], outputs: [] };
    await writeFile(join(dir, 'builtin.json'), JSON.stringify({ version: 1, models: [entry, { ...entry, id: 'ours-x4', task: 'upscale-x4', default: true }] }));
    const read = readBuiltIns(dir);
    expect(read.map((m) => [m.id, m.default, m.path])).toEqual([
      ['ours-x2', false, join(dir, 'ours-x2.onnx')],
      ['ours-x4', true, join(dir, 'ours-x2.onnx')],
    ]);
  });

  it('adds a loadable model: copied under its id with its sha256, shapes read from onnxruntime, then listed', async () => {
    const bytes = convNet(2);
    const file = await fixture('My Upscaler.onnx', bytes);
    const entry = await addModel(state, file, { task: 'upscale-x2' });
    expect(entry.id).toBe('my-upscaler');
    expect(entry.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(entry.size).toBe(bytes.length);
    expect(entry.source).toBe(`user:${file}`);
    expect(entry.inputs).toEqual([{ name: 'input', shape: ['N', 3, 'H', 'W'], type: 'float32' }]);
    expect(entry.outputs[0]!.name).toBe('output');
    expect(await readFile(join(modelsDir(state), 'my-upscaler.onnx'))).toEqual(Buffer.from(bytes));
    // Only the model and the index are left in the folder: no temporary file.
    expect((await readdir(modelsDir(state))).sort()).toEqual(['index.json', 'my-upscaler.onnx']);
    const [listed] = await listModels(state);
    expect(listed).toMatchObject({ id: 'my-upscaler', task: 'upscale-x2', scale: 2, format: 'onnx', installed: true, builtIn: false, provider: 'cpu' });
  });

  it('refuses a file that is not an ONNX model, with one line, and leaves nothing behind', async () => {
    const file = await fixture('broken.onnx', new TextEncoder().encode('this is not a network'));
    const error = await addModel(state, file, { task: 'clean' }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/broken\.onnx: not a loadable ONNX model/);
    expect((error as Error).message).not.toContain('\n');
    expect(await readdir(modelsDir(state))).toEqual([]);
    expect(await listModels(state)).toEqual([]);
  });

  it('refuses a model whose shapes do not fit the task, and a missing file', async () => {
    const x2 = await fixture('fixed.onnx', convNet(2, [1, 3, 32, 32]));
    await expect(addModel(state, x2, { task: 'upscale-x4' })).rejects.toThrow(/must output 4x its input.*\[1, 3, 32, 32\] to \[1, 3, 64, 64\]/);
    await expect(addModel(state, join(dir, 'nope.onnx'), { task: 'clean' })).rejects.toThrow(/nope\.onnx: no such file/);
    expect(() => checkSignature('clean', [{ name: 'x', shape: [1, 4, 8, 8], type: 'float32' }], [{ name: 'y', shape: [1, 3, 8, 8], type: 'float32' }])).toThrow(/4 channels/);
    expect(() => checkSignature('face', [{ name: 'x', shape: [1, 3, 512, 256], type: 'float32' }], [{ name: 'y', shape: [1, 3, 512, 256], type: 'float32' }])).toThrow(/square/);
  });

  it('keeps ids unique: the same file again is a no-op, a different file under a taken id is refused', async () => {
    const a = await fixture('net.onnx', convNet(1));
    const first = await addModel(state, a, { task: 'clean' });
    expect(await addModel(state, a, { task: 'clean' })).toEqual(first);
    const b = await fixture('other.onnx', convNet(2));
    await expect(addModel(state, b, { task: 'upscale-x2', id: 'net' })).rejects.toThrow(/already installed/);
    await addModel(state, b, { task: 'upscale-x2', id: 'net-x2' });
    expect((await listModels(state)).map((m) => m.id)).toEqual(['net', 'net-x2']);
    expect((await readdir(modelsDir(state))).sort()).toEqual(['index.json', 'net-x2.onnx', 'net.onnx']);
  });
});
