import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { convNet } from '../../test/support/onnx-fixtures.js';
import { BUILT_IN_CATALOG } from './catalog.js';
import { CatalogEntrySchema, catalogLocation, fetchModel, loadCatalog } from './fetch.js';
import { listModels, modelsDir } from './registry.js';

const model = Buffer.from(convNet(2));
const sha = createHash('sha256').update(model).digest('hex');
const other = Buffer.from(convNet(4));

let server: Server;
let base: string;
const requests: { url: string; range?: string }[] = [];
let truncateNext = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const range = req.headers.range;
    requests.push({ url: req.url!, ...(range ? { range } : {}) });
    const serve = (body: Buffer) => {
      const m = /^bytes=(\d+)-$/.exec(range ?? '');
      const start = m ? Number(m[1]) : 0;
      if (start >= body.length) {
        res.writeHead(416).end();
        return;
      }
      const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream', 'content-length': body.length - start, 'accept-ranges': 'bytes' };
      if (m) headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
      res.writeHead(m ? 206 : 200, headers);
      if (req.url === '/flaky.onnx' && truncateNext > 0) {
        truncateNext--;
        // Send part of the body, give the client time to take it in, then drop the connection.
        res.write(body.subarray(start, start + Math.floor((body.length - start) / 3)), () => setTimeout(() => res.socket?.destroy(), 250));
        return;
      }
      res.end(body.subarray(start));
    };
    if (req.url === '/good.onnx' || req.url === '/flaky.onnx' || req.url === '/models/rel.onnx') serve(model);
    else if (req.url === '/corrupt.onnx') serve(other);
    else if (req.url === '/not-a-model.onnx') serve(Buffer.alloc(model.length, 7));
    else if (req.url === '/catalog.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ models: [{ id: 'rel', task: 'upscale-x2', url: 'models/rel.onnx', sha256: sha, size: model.length, licence: 'MIT' }] }));
    } else res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

let dir: string;
let state: string;
let catalog: string;

/** The models `fetch` installed (the converted npm weights are always listed beside them). */
const userModels = async () => (await listModels(state)).filter((m) => m.origin === 'user');

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refinery-fetch-'));
  state = join(dir, 'state');
  catalog = join(dir, 'catalog.json');
  const entry = (id: string, path: string, extra: object = {}) => ({ id, task: 'upscale-x2', url: `${base}${path}`, sha256: sha, size: model.length, licence: 'MIT', ...extra });
  await writeFile(
    catalog,
    JSON.stringify([
      entry('good', '/good.onnx'),
      entry('corrupt', '/corrupt.onnx', { size: other.length }),
      entry('missing', '/missing.onnx'),
      entry('flaky', '/flaky.onnx'),
      entry('garbage', '/not-a-model.onnx', { sha256: createHash('sha256').update(Buffer.alloc(model.length, 7)).digest('hex') }),
    ]),
  );
  requests.length = 0;
  truncateNext = 0;
});

async function leftovers(): Promise<string[]> {
  return readdir(modelsDir(state)).catch(() => []);
}

describe('models fetch from a catalogue', () => {
  it('downloads, verifies the sha256 and installs the model, reporting progress', async () => {
    const seen: number[] = [];
    const { entry, alreadyInstalled } = await fetchModel(state, 'good', { catalog, onProgress: (p) => seen.push(p.received) });
    expect(alreadyInstalled).toBe(false);
    expect(entry).toMatchObject({ id: 'good', task: 'upscale-x2', sha256: sha, size: model.length, source: `${base}/good.onnx`, licence: 'MIT' });
    expect(await readFile(join(modelsDir(state), 'good.onnx'))).toEqual(model);
    expect(seen.at(-1)).toBe(model.length);
    expect((await leftovers()).sort()).toEqual(['good.onnx', 'index.json']);
    expect((await userModels()).map((m) => m.id)).toEqual(['good']);
    // A second fetch finds it installed and downloads nothing.
    requests.length = 0;
    expect((await fetchModel(state, 'good', { catalog })).alreadyInstalled).toBe(true);
    expect(requests).toEqual([]);
  });

  it('refuses a download whose checksum does not match, leaving nothing behind', async () => {
    await expect(fetchModel(state, 'corrupt', { catalog })).rejects.toThrow(/checksum mismatch for corrupt.*nothing was installed/);
    expect(await leftovers()).toEqual([]);
    expect(await userModels()).toEqual([]);
  });

  it('reports an HTTP 404 in one line, leaving nothing behind', async () => {
    await expect(fetchModel(state, 'missing', { catalog })).rejects.toThrow(/missing\.onnx: HTTP 404/);
    expect(await leftovers()).toEqual([]);
  });

  it('keeps a truncated transfer as a hidden part file and resumes it with a Range request', async () => {
    truncateNext = 1;
    await expect(fetchModel(state, 'flaky', { catalog })).rejects.toThrow(/interrupted after \d+ of \d+ bytes.*resume/);
    expect(await userModels()).toEqual([]);
    const parts = await leftovers();
    expect(parts).toEqual(['.flaky.onnx.part']);
    const partial = (await readFile(join(modelsDir(state), parts[0]!))).length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(model.length);

    const { entry } = await fetchModel(state, 'flaky', { catalog });
    expect(requests.at(-1)).toEqual({ url: '/flaky.onnx', range: `bytes=${partial}-` });
    expect(entry.sha256).toBe(sha);
    expect(await readFile(join(modelsDir(state), 'flaky.onnx'))).toEqual(model);
    expect((await leftovers()).sort()).toEqual(['flaky.onnx', 'index.json']);
  });

  it('refuses a download that matches its checksum but is not a loadable model', async () => {
    await expect(fetchModel(state, 'garbage', { catalog })).rejects.toThrow(/garbage from .*: not a loadable ONNX model/);
    expect(await leftovers()).toEqual([]);
  });

  it('names the ids a catalogue has when asked for another, and uses the built-in catalogue without a location', async () => {
    await expect(fetchModel(state, 'gfpgan-1.4', { catalog })).rejects.toThrow(/no model "gfpgan-1.4" in the catalogue .*good, corrupt, missing, flaky, garbage/);
    const saved = process.env.REFINERY_MODEL_CATALOG;
    delete process.env.REFINERY_MODEL_CATALOG;
    try {
      expect(catalogLocation()).toBeUndefined();
      await expect(fetchModel(state, 'nonesuch')).rejects.toThrow(/no model "nonesuch" in the built-in catalogue .*it lists: gfpgan-1\.4/);
      process.env.REFINERY_MODEL_CATALOG = catalog;
      expect(catalogLocation()).toBe(catalog);
      expect(catalogLocation('other.json')).toBe('other.json');
    } finally {
      if (saved === undefined) delete process.env.REFINERY_MODEL_CATALOG;
      else process.env.REFINERY_MODEL_CATALOG = saved;
    }
    await writeFile(join(dir, 'bad.json'), '{"models": [{"id": "x"}]}');
    await expect(loadCatalog(join(dir, 'bad.json'))).rejects.toThrow(/is not a model catalogue/);
  });

  it('fetches gfpgan-1.4 from the built-in catalogue without --catalog, sized by the server when the publisher gives no size', async () => {
    const saved = process.env.REFINERY_MODEL_CATALOG;
    delete process.env.REFINERY_MODEL_CATALOG;
    try {
      const [gfpgan] = BUILT_IN_CATALOG;
      // The same entry, pointed at the local server and at the test model's checksum.
      const builtIn = [{ ...gfpgan!, task: 'upscale-x2' as const, url: `${base}/good.onnx`, sha256: sha }];
      const seen: number[] = [];
      const { entry } = await fetchModel(state, 'gfpgan-1.4', { builtIn, onProgress: (p) => seen.push(p.total) });
      expect(entry).toMatchObject({ id: 'gfpgan-1.4', sha256: sha, size: model.length, source: `${base}/good.onnx` });
      expect(seen.at(-1)).toBe(model.length);
    } finally {
      if (saved !== undefined) process.env.REFINERY_MODEL_CATALOG = saved;
    }
  });

  it('lists GFPGAN v1.4 in the built-in catalogue with its published sha256', () => {
    const entries = BUILT_IN_CATALOG.map((e) => CatalogEntrySchema.parse(e));
    expect(entries.find((e) => e.id === 'gfpgan-1.4')).toMatchObject({
      task: 'face',
      url: expect.stringMatching(/^https:\/\/github\.com\/.+\.onnx$/),
      sha256: '497ff5b6d6008ec101b2714776ce39ce67a722a78720dfce84231e612e45053e',
    });
  });

  it('reads a catalogue from an address and resolves model addresses against it', async () => {
    const entries = await loadCatalog(`${base}/catalog.json`);
    expect(entries[0]!.url).toBe(`${base}/models/rel.onnx`);
    const { entry } = await fetchModel(state, 'rel', { catalog: `${base}/catalog.json` });
    expect(entry.sha256).toBe(sha);
  });
});
