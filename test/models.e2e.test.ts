// `refinery models` as a user runs it, and what the companion and doctor report afterwards.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convNet } from './support/onnx-fixtures.js';
import { connect, startCompanion } from './support/companion.js';
import { runCli, tempDir } from './support/media.js';

const x4 = Buffer.from(convNet(4));
let server: Server;
let dir: string;
let catalog: string;

beforeAll(async () => {
  dir = await tempDir('refinery-models-e2e-');
  server = createServer((req, res) => {
    if (req.url === '/x4.onnx') res.writeHead(200, { 'content-length': x4.length }).end(x4);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  catalog = join(dir, 'catalog.json');
  await writeFile(
    catalog,
    JSON.stringify({ models: [{ id: 'tiny-x4', task: 'upscale-x4', url: `${base}/x4.onnx`, sha256: createHash('sha256').update(x4).digest('hex'), size: x4.length, licence: 'MIT' }] }),
  );
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('refinery models', () => {
  it('adds a local model, fetches one from a catalogue, lists both, and the companion and doctor see them', async () => {
    const state = join(dir, 'state');
    const file = join(dir, 'tiny x2.onnx');
    await writeFile(file, convNet(2));

    const empty = await runCli(['models', 'list', '--state-dir', state]);
    expect(empty.code).toBe(0);
    // A fresh state folder still lists the npm ESRGAN weights, converted on first use.
    expect(empty.stdout).toMatch(/^esrgan-slim-x2 +upscale-x2 x2 .* MIT +on \w+ +converted on first use$/m);
    expect(empty.stdout).toMatch(/\(from npm:@upscalerjs\/esrgan-thick@1\.0\.0\)/);

    const added = await runCli(['models', 'add', file, '--task', 'upscale-x2', '--state-dir', state]);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^added tiny-x2 \(upscale-x2, sha256 [0-9a-f]{64}\)$/m);

    const fetched = await runCli(['models', 'fetch', 'tiny-x4', '--state-dir', state], { REFINERY_MODEL_CATALOG: catalog });
    expect(fetched.code).toBe(0);
    expect(fetched.stdout).toMatch(/^installed tiny-x4 \(upscale-x4/m);

    const list = await runCli(['models', 'list', '--json', '--state-dir', state]);
    expect(list.code).toBe(0);
    const models = (JSON.parse(list.stdout) as { id: string; task: string; scale: number; installed: boolean; provider: string; licence?: string; origin: string }[]).filter(
      (m) => m.origin === 'user',
    );
    expect(models.map((m) => [m.id, m.task, m.scale, m.installed])).toEqual([
      ['tiny-x2', 'upscale-x2', 2, true],
      ['tiny-x4', 'upscale-x4', 4, true],
    ]);
    expect(models[1]!.licence).toBe('MIT');
    const text = await runCli(['models', 'list', '--state-dir', state]);
    expect(text.stdout).toMatch(/^tiny-x4 +upscale-x4 x4 .* MIT +on \w+$/m);
    expect((await readdir(join(state, 'models'))).sort()).toEqual(['index.json', 'tiny-x2.onnx', 'tiny-x4.onnx']);

    const doctor = await runCli(['doctor', '--state-dir', state]);
    expect(doctor.stdout).toMatch(/^inference: onnxruntime \d+\.\d+\.\d+ on (cpu|cuda|dml|coreml|webgpu) \(\d+ threads; working here: .*cpu.*\)$/m);
    const doctorJson = JSON.parse((await runCli(['doctor', '--json', '--state-dir', state])).stdout);
    expect(doctorJson.inference.available).toContain('cpu');

    const companion = await startCompanion(state);
    try {
      const client = await connect(companion.info);
      const listed = await client.call('models.list');
      expect(listed.models.filter((m: { origin: string }) => m.origin === 'user').map((m: { id: string }) => m.id)).toEqual(['tiny-x2', 'tiny-x4']);
      const info = await client.call('system.info');
      expect(info.models.filter((m: { origin: string }) => m.origin === 'user').map((m: { id: string }) => m.id)).toEqual(['tiny-x2', 'tiny-x4']);
      expect(info.inference.provider).toBe(doctorJson.inference.provider);
      client.close();
    } finally {
      await companion.stop();
    }
  });

  it('refuses a broken model, an unknown task and a model no catalogue lists with one line and exit 1', async () => {
    const state = join(dir, 'state-bad');
    const broken = join(dir, 'broken.onnx');
    await writeFile(broken, 'not a network at all');
    const bad = await runCli(['models', 'add', broken, '--task', 'face', '--state-dir', state]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^refinery: .*broken\.onnx: not a loadable ONNX model: .+\n$/);
    const task = await runCli(['models', 'add', broken, '--task', 'upscale-x3', '--state-dir', state]);
    expect(task.code).toBe(1);
    expect(task.stderr).toMatch(/--task must be one of upscale-x2, upscale-x4, clean, face/);
    const nocat = await runCli(['models', 'fetch', 'gfpgan-9', '--state-dir', state], { REFINERY_MODEL_CATALOG: '' });
    expect(nocat.code).toBe(1);
    expect(nocat.stderr).toBe('refinery: no model "gfpgan-9" in the built-in catalogue (another: --catalog <file-or-url>) (it lists: gfpgan-1.4)\n');
    expect(await readdir(join(state, 'models')).catch(() => [])).toEqual([]);
  });
});
