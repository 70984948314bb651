// `refinery models fetch <id>`: downloads a model named in a catalogue, explicitly and only then.
//
// A catalogue is a JSON file or address listing {id, task, url, sha256, size?, licence}: the one
// given by --catalog <file-or-url> or REFINERY_MODEL_CATALOG, else the built-in one
// (catalog.ts: public weights such as gfpgan-1.4, pinned by their published sha256). The download streams into <models>/.<id>.onnx.part while the sha256
// is computed; an interrupted transfer keeps the part and the next fetch resumes it with an
// HTTP Range request; a checksum or size mismatch, an HTTP error or a file that onnxruntime
// cannot load leaves nothing behind. Only a verified, loadable model is renamed into place.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { BUILT_IN_CATALOG } from './catalog.js';
import { installFile, listModels, MODEL_ID, modelsDir, TaskSchema, type ModelEntry } from './registry.js';

export const CatalogEntrySchema = z.object({
  id: z.string().regex(MODEL_ID),
  task: TaskSchema,
  url: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'a sha256 in hex').transform((s) => s.toLowerCase()),
  /** Bytes; when a publisher gives none, the server's length is used (the sha256 is checked either way). */
  size: z.number().int().positive().optional(),
  licence: z.string().min(1),
  description: z.string().optional(),
});
export type CatalogEntry = z.infer<typeof CatalogEntrySchema>;

const CatalogSchema = z.union([z.array(CatalogEntrySchema), z.object({ models: z.array(CatalogEntrySchema) }).transform((c) => c.models)]);

function isUrl(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

/** --catalog wins, then REFINERY_MODEL_CATALOG; undefined means the built-in catalogue. */
export function catalogLocation(explicit?: string): string | undefined {
  return explicit || process.env.REFINERY_MODEL_CATALOG || undefined;
}

/** Reads a catalogue; relative model addresses resolve against a catalogue address. */
export async function loadCatalog(location: string): Promise<CatalogEntry[]> {
  let text: string;
  if (isUrl(location)) {
    const response = await fetch(location);
    if (!response.ok) throw new Error(`catalogue ${location}: HTTP ${response.status}`);
    text = await response.text();
  } else {
    text = await readFile(resolve(location), 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new Error(`catalogue ${location}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
    });
  }
  let entries: CatalogEntry[];
  try {
    entries = CatalogSchema.parse(JSON.parse(text));
  } catch (error) {
    const detail = error instanceof z.ZodError ? error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)[0] : (error as Error).message;
    throw new Error(`catalogue ${location} is not a model catalogue (${detail})`);
  }
  return entries.map((e) => ({ ...e, url: isUrl(location) ? new URL(e.url, location).href : e.url }));
}

export interface FetchProgress {
  received: number;
  total: number;
  resumedFrom: number;
}

export interface FetchOptions {
  catalog?: string;
  /** The catalogue used when no location is given (default: catalog.ts; tests point it at a local server). */
  builtIn?: readonly CatalogEntry[];
  onProgress?: (p: FetchProgress) => void;
  signal?: AbortSignal;
  /** Abort a transfer that delivers nothing for this long (default 60 s). */
  stallMs?: number;
}

async function hashFile(path: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

export class DownloadInterrupted extends Error {}

/** Downloads `entry.url` into `part`, resuming what is there; returns its sha256 once all bytes are in. */
async function download(entry: CatalogEntry, part: string, options: FetchOptions): Promise<string> {
  if (!isUrl(entry.url)) throw new Error(`${entry.id}: only http(s) addresses can be fetched, not "${entry.url}"`);
  let have = await stat(part).then(
    (s) => s.size,
    () => 0,
  );
  if (entry.size !== undefined && have > entry.size) {
    await rm(part, { force: true });
    have = 0;
  }
  const hash = createHash('sha256');
  if (have > 0) await hashFile(part, hash);
  if (have === entry.size) return hash.digest('hex');

  const stall = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(new Error('no data for too long')), options.stallMs ?? 60_000);
  };
  const signal = options.signal ? AbortSignal.any([options.signal, stall.signal]) : stall.signal;
  arm();
  try {
    let response = await fetch(entry.url, { signal, headers: have > 0 ? { range: `bytes=${have}-` } : {} });
    if (response.status === 416 && have > 0) {
      await response.body?.cancel();
      await rm(part, { force: true });
      have = 0;
      hash.destroy();
      return download(entry, part, options);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`${entry.url}: HTTP ${response.status} ${response.statusText}`.trim());
    }
    const resumed = response.status === 206 && have > 0 && (response.headers.get('content-range') ?? '').startsWith(`bytes ${have}-`);
    let start = have;
    let digest = hash;
    if (!resumed && have > 0) {
      digest = createHash('sha256');
      start = 0;
    }
    // Without a listed size, the server says how much is coming.
    const length = Number(response.headers.get('content-length') ?? NaN);
    const total = entry.size ?? (Number.isInteger(length) && length > 0 ? start + length : undefined);
    const handle = await open(part, resumed ? 'a' : 'w', 0o644);
    let received = start;
    try {
      options.onProgress?.({ received, total: total ?? received, resumedFrom: start });
      try {
        for await (const chunk of response.body ?? []) {
          arm();
          const bytes = chunk as Uint8Array;
          received += bytes.length;
          if (total !== undefined && received > total) throw new Error(`${entry.url} is larger than the ${total} bytes ${entry.size ? 'the catalogue lists' : 'the server announced'}`);
          digest.update(bytes);
          await handle.write(bytes);
          options.onProgress?.({ received, total: total ?? received, resumedFrom: start });
        }
      } catch (error) {
        if (error instanceof Error && error.message.includes('larger than')) throw error;
        if (options.signal?.aborted) throw options.signal.reason ?? error;
        throw new DownloadInterrupted(`download of ${entry.id} interrupted after ${received} of ${total ?? '?'} bytes (${(error as Error).message}); run the same fetch again to resume`);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (total !== undefined && received < total) {
      throw new DownloadInterrupted(`download of ${entry.id} ended after ${received} of ${total} bytes; run the same fetch again to resume`);
    }
    return digest.digest('hex');
  } catch (error) {
    // Keep a partial download only when it can be resumed; anything else leaves nothing.
    if (!(error instanceof DownloadInterrupted)) await rm(part, { force: true });
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** `refinery models fetch <id>`: download, verify, load, install. */
export async function fetchModel(stateDir: string, id: string, options: FetchOptions = {}): Promise<{ entry: ModelEntry; alreadyInstalled: boolean }> {
  const location = catalogLocation(options.catalog);
  const entries = location ? await loadCatalog(location) : (options.builtIn ?? BUILT_IN_CATALOG);
  const entry = entries.find((e) => e.id === id);
  if (!entry) {
    const where = location ? `the catalogue ${location}` : 'the built-in catalogue (another: --catalog <file-or-url>)';
    throw new Error(`no model "${id}" in ${where} (it lists: ${entries.map((e) => e.id).join(', ') || 'nothing'})`);
  }
  const installed = (await listModels(stateDir)).find((m) => m.id === id && m.installed);
  if (installed && installed.sha256 === entry.sha256) return { entry: { ...installed, sha256: entry.sha256 }, alreadyInstalled: true };
  if (installed) throw new Error(`a different model with id "${id}" is already installed (from ${installed.source})`);

  await mkdir(modelsDir(stateDir), { recursive: true });
  const part = join(modelsDir(stateDir), `.${id}.onnx.part`);
  const sha256 = await download(entry, part, options);
  if (sha256 !== entry.sha256) {
    await rm(part, { force: true });
    throw new Error(`checksum mismatch for ${id}: the catalogue says ${entry.sha256}, the download is ${sha256}; nothing was installed`);
  }
  try {
    const size = (await stat(part)).size;
    const result = await installFile(stateDir, part, { id, task: entry.task, source: entry.url, licence: entry.licence, sha256, size });
    return { entry: result, alreadyInstalled: false };
  } catch (error) {
    throw new Error(`${id} from ${entry.url}: ${(error as Error).message.split('\n')[0]}`);
  }
}
