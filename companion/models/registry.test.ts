import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { REPO } from '../../test/support/media.js';
import { convNet } from '../../test/support/onnx-fixtures.js';
import { addModel, BUILT_IN_MODELS, checkSignature, listModels, modelsDir, readBuiltIns, resolveModel } from './registry.js';

let dir: string;
let state: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refinery-models-'));
  state = join(dir, 'state');
});

/** The models the user added (built-in and converted ones are always listed too). */
const userModels = async () => (await listModels(state)).filter((m) => m.origin === 'user');

async function fixture(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

describe('the model registry', () => {
  it('lists the built-in models, then the npm ESRGAN weights (converted on first use), in a fresh state folder', async () => {
    // The repo's own weights, whether this runs from source or from dist/.
    expect(BUILT_IN_MODELS.map((m) => m.id)).toEqual(readBuiltIns(join(REPO, 'models')).map((m) => m.id));
    expect(BUILT_IN_MODELS.length).toBeGreaterThan(0);
    const listed = await listModels(state);
    const converted = ['esrgan-slim-x2', 'esrgan-slim-x4', 'esrgan-medium-x2', 'esrgan-medium-x4', 'esrgan-thick-x2', 'esrgan-thick-x4'];
    expect(listed.map((m) => m.id)).toEqual([...BUILT_IN_MODELS.map((m) => m.id), ...converted]);
    expect(listed.filter((m) => m.builtIn).map((m) => m.origin)).toEqual(BUILT_IN_MODELS.map(() => 'built-in'));
    expect(listed.find((m) => m.id === 'esrgan-medium-x4')).toMatchObject({
      task: 'upscale-x4',
      scale: 4,
      licence: 'MIT',
      source: 'npm:@upscalerjs/esrgan-medium@1.0.0',
      origin: 'converted',
      installed: true,
      converted: false,
    });
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
    const listed = (await listModels(state)).find((m) => m.id === 'my-upscaler');
    expect(listed).toMatchObject({ id: 'my-upscaler', task: 'upscale-x2', scale: 2, format: 'onnx', installed: true, builtIn: false, provider: 'cpu' });
  });

  it('refuses a file that is not an ONNX model, with one line, and leaves nothing behind', async () => {
    const file = await fixture('broken.onnx', new TextEncoder().encode('this is not a network'));
    const error = await addModel(state, file, { task: 'clean' }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/broken\.onnx: not a loadable ONNX model/);
    expect((error as Error).message).not.toContain('\n');
    expect(await readdir(modelsDir(state))).toEqual([]);
    expect(await userModels()).toEqual([]);
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
    expect((await userModels()).map((m) => m.id)).toEqual(['net', 'net-x2']);
    expect((await readdir(modelsDir(state))).sort()).toEqual(['index.json', 'net-x2.onnx', 'net.onnx']);
  });
});

describe('choosing the model a step runs', () => {
  it('runs the slim ESRGAN of the task scale when no built-in model is the default, converting it once into the state folder', async () => {
    const model = await resolveModel(state, 'upscale-x2', undefined, []);
    expect(model).toMatchObject({ id: 'esrgan-slim-x2', task: 'upscale-x2', scale: 2, origin: 'converted', source: 'npm:@upscalerjs/esrgan-slim@1.0.0', licence: 'MIT' });
    expect(model.path).toBe(join(state, 'models', 'converted', 'esrgan-slim-x2@1.0.0-c1.onnx'));
    const written = await stat(model.path);
    // Converted once: the second use finds the file and leaves it alone; nothing else is left in the folder.
    expect((await resolveModel(state, 'upscale-x2', undefined, [])).path).toBe(model.path);
    expect((await stat(model.path)).mtimeMs).toBe(written.mtimeMs);
    expect(await readdir(join(state, 'models', 'converted'))).toEqual(['esrgan-slim-x2@1.0.0-c1.onnx']);
    expect((await listModels(state)).find((m) => m.id === 'esrgan-slim-x2')).toMatchObject({ converted: true, size: written.size, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const session = await model.open({ provider: 'cpu', threads: 1 });
    expect(session.inputs).toEqual([{ name: 'input', shape: ['N', 3, 'H', 'W'], type: 'float32' }]);
    expect(session.outputs[0]!.name).toBe('output');
    await session.session.release();
    expect((await resolveModel(state, 'upscale-x4', undefined, [])).id).toBe('esrgan-slim-x4');
  });

  it('prefers the built-in model marked default for the task', async () => {
    const file = await fixture('ours-x2.onnx', convNet(2));
    const entry = { id: 'ours-x2', task: 'upscale-x2' as const, file: 'ours-x2.onnx', sha256: 'a'.repeat(64), size: 1, source: 'training/', addedAt: '', inputs: [], outputs: [] };
    const builtIns = [
      { ...entry, default: false, path: file },
      { ...entry, id: 'ours-x2-default', default: true, path: file },
    ];
    expect(await resolveModel(state, 'upscale-x2', undefined, builtIns)).toMatchObject({ id: 'ours-x2-default', origin: 'built-in', path: file });
    expect((await resolveModel(state, 'upscale-x4', undefined, builtIns)).id).toBe('esrgan-slim-x4');
  });

  it('takes an explicit id: converted, a family name for the scale, or the user’s own', async () => {
    expect((await resolveModel(state, 'upscale-x4', 'esrgan-medium-x4', [])).id).toBe('esrgan-medium-x4');
    expect((await resolveModel(state, 'upscale-x2', 'esrgan-thick', [])).id).toBe('esrgan-thick-x2');
    await addModel(state, await fixture('mine.onnx', convNet(4)), { task: 'upscale-x4' });
    expect(await resolveModel(state, 'upscale-x4', 'mine', [])).toMatchObject({ id: 'mine', origin: 'user', path: join(modelsDir(state), 'mine.onnx') });
  });

  it('names the unknown id and what is available, in one line', async () => {
    const error = await resolveModel(state, 'upscale-x2', 'esrgan-huge', []).catch((e: Error) => e);
    expect((error as Error).message).toBe('unknown model "esrgan-huge" for upscale-x2; available: esrgan-slim-x2, esrgan-medium-x2, esrgan-thick-x2');
    await expect(resolveModel(state, 'upscale-x2', 'esrgan-slim-x4', [])).rejects.toThrow(/^model "esrgan-slim-x4" is for upscale-x4, not upscale-x2; available: esrgan-slim-x2/);
    await expect(resolveModel(state, 'face', undefined, [])).rejects.toThrow(/^no face model; available: none/);
  });
});
