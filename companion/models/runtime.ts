// ONNX Runtime: which execution provider this machine can use, and inference sessions on it.
//
// Providers are tried in a per-platform order (DirectML on Windows, CoreML on macOS, CUDA, then
// WebGPU) and CPU is always the last resort. Whether a provider really works is learned by
// running a tiny probe model in a child process: a broken GPU driver stack can print to
// stderr, hang or crash while loading, and none of that may reach the CLI or the companion.
// The result is cached for the life of the process. REFINERY_PROVIDER=<name> forces a choice
// (still falling back to CPU when it does not load).
import { execFile, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import type * as Ort from 'onnxruntime-node';
import { WorkerPool } from '../pipeline/workers.js';
import { probeModel } from './onnx-proto.js';

const require = createRequire(import.meta.url);
let loaded: typeof Ort | undefined;

/**
 * onnxruntime-node, loaded on first use: the native binding costs time and, on a platform it
 * does not support, throws; neither may touch commands that run no network.
 */
export function onnxruntime(): typeof Ort {
  if (!loaded) {
    loaded = require('onnxruntime-node') as typeof Ort;
    // onnxruntime prints provider load failures straight to stderr; they reach the user as
    // errors or as a CPU fallback instead. REFINERY_ORT_LOG=verbose|info|warning|error shows them.
    loaded.env.logLevel = (process.env.REFINERY_ORT_LOG as typeof loaded.env.logLevel) ?? 'fatal';
  }
  return loaded;
}

export const PROVIDERS = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'] as const;
export type Provider = (typeof PROVIDERS)[number];

export interface ProviderReport {
  /** The provider sessions are created on. */
  provider: Provider;
  /** Every provider that loaded and ran the probe model here, best first. */
  available: Provider[];
  /** Providers that were tried and failed, with the first line of the reason. */
  failed: { provider: Provider; error: string }[];
  /** Threads a session uses (intra-op) = logical cores. */
  threads: number;
  /** onnxruntime-node version. */
  version: string;
  /** Set when REFINERY_PROVIDER chose the order. */
  forced?: string;
}

/** Best-first providers for a platform, limited to those this onnxruntime-node build knows. */
export function providerOrder(platform: NodeJS.Platform, known: readonly string[], forced?: string): Provider[] {
  const byPlatform: Record<string, Provider[]> = {
    win32: ['dml', 'cuda', 'webgpu', 'cpu'],
    darwin: ['coreml', 'webgpu', 'cpu'],
    linux: ['cuda', 'webgpu', 'cpu'],
  };
  const wanted: Provider[] = forced ? [forced as Provider, 'cpu'] : (byPlatform[platform] ?? ['cpu']);
  const order = wanted.filter((p, i) => wanted.indexOf(p) === i && (p === 'cpu' || known.includes(p)));
  return order.includes('cpu') ? order : [...order, 'cpu'];
}

/** Backends the installed onnxruntime-node binding offers (bundled or loadable on demand). */
export function knownBackends(): string[] {
  return onnxruntime().listSupportedBackends().map((b) => b.name);
}

export function threadCount(): number {
  return Math.max(1, availableParallelism());
}

export type ProbeResult = { provider: Provider; ok: true } | { provider: Provider; ok: false; error: string };

/** Picks the first provider that probed well; CPU when none did. */
export function chooseProvider(results: ProbeResult[], forced?: string): ProviderReport {
  const available = results.filter((r) => r.ok).map((r) => r.provider);
  const failed = results.flatMap((r) => (r.ok ? [] : [{ provider: r.provider, error: r.error }]));
  return {
    provider: available[0] ?? 'cpu',
    available: available.length > 0 ? available : ['cpu'],
    failed,
    threads: threadCount(),
    version: onnxruntime().env.versions.node ?? onnxruntime().env.versions.common,
    ...(forced ? { forced } : {}),
  };
}

// Run by `node -e` in a child: argv = [onnxruntime-node path, probe model base64, providers JSON].
const PROBE_SCRIPT = `
const [ortPath, modelB64, providersJson] = process.argv.slice(1);
const ort = require(ortPath);
(async () => {
  const results = [];
  for (const provider of JSON.parse(providersJson)) {
    try {
      const session = await Ort.InferenceSession.create(Buffer.from(modelB64, 'base64'), { executionProviders: [provider], logSeverityLevel: 4 });
      const x = new ort.Tensor('float32', new Float32Array(12).fill(2), [1, 3, 2, 2]);
      const y = (await session.run({ x })).y.data;
      if (y.length !== 12 || Math.abs(y[0] - 3) > 1e-6) throw new Error('probe model gave a wrong answer');
      results.push({ provider, ok: true });
    } catch (error) {
      results.push({ provider, ok: false, error: String(error && error.message || error).split('\\n')[0] });
    }
  }
  process.stdout.write('\\n' + JSON.stringify(results) + '\\n');
  process.exit(0);
})();
`;

function probeArgs(order: Provider[]): string[] {
  const ortPath = require.resolve('onnxruntime-node');
  return ['-e', PROBE_SCRIPT, ortPath, Buffer.from(probeModel()).toString('base64'), JSON.stringify(order)];
}

function parseProbe(stdout: string, order: Provider[]): ProbeResult[] {
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as ProbeResult[];
  } catch {
    // The probe itself died (a provider crashed the process): only CPU is trusted.
    return order.map((provider) => (provider === 'cpu' ? { provider, ok: true } : { provider, ok: false, error: 'the provider probe did not finish' }));
  }
}

const PROBE_TIMEOUT_MS = 30_000;
let cached: ProviderReport | undefined;

function forcedProvider(): string | undefined {
  const forced = process.env.REFINERY_PROVIDER?.trim().toLowerCase();
  if (!forced) return undefined;
  if (!(PROVIDERS as readonly string[]).includes(forced)) throw new Error(`REFINERY_PROVIDER must be one of ${PROVIDERS.join(', ')}, got "${forced}"`);
  return forced;
}

/** The provider report, probing once per process (synchronously: for `refinery doctor`). */
export function providerReportSync(): ProviderReport {
  if (cached) return cached;
  const forced = forcedProvider();
  const order = providerOrder(process.platform, knownBackends(), forced);
  let stdout = '';
  try {
    stdout = execFileSync(process.execPath, probeArgs(order), { encoding: 'utf8', timeout: PROBE_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (error) {
    stdout = String((error as { stdout?: string }).stdout ?? '');
  }
  cached = chooseProvider(parseProbe(stdout, order), forced);
  return cached;
}

/** The provider report, probing once per process without blocking the event loop. */
export async function providerReport(): Promise<ProviderReport> {
  if (cached) return cached;
  const forced = forcedProvider();
  const order = providerOrder(process.platform, knownBackends(), forced);
  const stdout = await new Promise<string>((resolve) => {
    execFile(process.execPath, probeArgs(order), { encoding: 'utf8', timeout: PROBE_TIMEOUT_MS }, (_error, out) => resolve(String(out ?? '')));
  });
  cached ??= chooseProvider(parseProbe(stdout, order), forced);
  return cached;
}

/** Forgets the cached probe (tests, or after the user installed a provider). */
export function resetProviderCache(): void {
  cached = undefined;
}

export interface InferenceInfo {
  /** The execution provider models run on, or "none" when onnxruntime itself cannot load. */
  provider: Provider | 'none';
  available: Provider[];
  threads: number;
  version?: string;
  error?: string;
}

/** What `refinery doctor` and system.info show about neural inference; never throws. */
export function inferenceInfo(): InferenceInfo {
  try {
    const r = providerReportSync();
    return { provider: r.provider, available: r.available, threads: r.threads, version: r.version };
  } catch (error) {
    return { provider: 'none', available: [], threads: threadCount(), error: firstLine(error) };
  }
}

export interface TensorInfo {
  name: string;
  /** Dimensions; a string is a symbolic (dynamic) dimension. */
  shape: (number | string)[];
  type: string;
}

/** The part of an InferenceSession Refinery uses. */
export interface Session {
  readonly inputMetadata: readonly Ort.InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly Ort.InferenceSession.ValueMetadata[];
  run(feeds: Record<string, Ort.Tensor>): Promise<Record<string, Ort.Tensor>>;
  release(): Promise<void>;
}

export interface ModelSession {
  session: Session;
  provider: Provider;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** Set when the wanted provider failed and the session fell back to CPU. */
  fallbackFrom?: { provider: Provider; error: string };
}

export interface SessionOptions {
  /** Provider to use; default: the probed best one. */
  provider?: Provider;
  threads?: number;
  /** Injected for tests: how a session is created on one provider. */
  create?: (model: string | Uint8Array, options: Ort.InferenceSession.SessionOptions) => Promise<Session>;
}

/** A tensor as it crosses between threads (a Tensor's fields; its methods do not survive a post). */
export interface PlainTensor {
  type: Ort.Tensor.Type;
  data: Ort.Tensor.DataType;
  dims: readonly number[];
}

export const plainTensors = (tensors: Record<string, Ort.Tensor>): Record<string, PlainTensor> =>
  Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, { type: t.type, data: t.data, dims: t.dims }]));

export function ortTensors(tensors: Record<string, PlainTensor>): Record<string, Ort.Tensor> {
  const { Tensor } = onnxruntime();
  return Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, new Tensor(t.type, t.data as Float32Array, t.dims)]));
}

const HOST = new URL('./session-host.js', import.meta.url).href;
let inferenceWorker: WorkerPool | undefined;

/**
 * A session that lives on the inference worker (session-host.ts), one worker for every
 * model: onnxruntime-node runs a network synchronously, which must not happen on the thread
 * that serves clients and pumps ffmpeg. Tensors are copied across; a tile is small.
 */
async function hostedSession(model: string | Uint8Array, options: Ort.InferenceSession.SessionOptions): Promise<Session> {
  inferenceWorker ??= new WorkerPool(1);
  const pool = inferenceWorker;
  const opened = await pool.run<{ id: number } & Pick<Session, 'inputMetadata' | 'outputMetadata'>>(HOST, 'openHosted', [model, options]);
  return {
    inputMetadata: opened.inputMetadata,
    outputMetadata: opened.outputMetadata,
    run: async (feeds) => ortTensors(await pool.run<Record<string, PlainTensor>>(HOST, 'runHosted', [opened.id, plainTensors(feeds)])),
    release: () => pool.run(HOST, 'releaseHosted', [opened.id]),
  };
}

// Compiled, sessions are hosted on the inference worker; run from the TypeScript sources (the
// unit tests) there is no compiled host module for a worker to load, so they stay here.
const HOSTED = import.meta.url.endsWith('.js');

function describe(meta: readonly Ort.InferenceSession.ValueMetadata[]): TensorInfo[] {
  return meta.map((m) => (m.isTensor ? { name: m.name, shape: [...m.shape], type: m.type } : { name: m.name, shape: [], type: 'non-tensor' }));
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
}

/**
 * Opens a model (a file path or its bytes) on the best provider, falling back to CPU when that
 * provider cannot load it. Threads = cores, full graph optimisation.
 */
export async function createSession(model: string | Uint8Array, options: SessionOptions = {}): Promise<ModelSession> {
  const provider = options.provider ?? (await providerReport()).provider;
  const { InferenceSession } = onnxruntime();
  const create =
    options.create ?? (HOSTED ? hostedSession : (m, o) => (typeof m === 'string' ? InferenceSession.create(m, o) : InferenceSession.create(m, o)));
  const sessionOptions = (p: Provider): Ort.InferenceSession.SessionOptions => ({
    executionProviders: [p],
    intraOpNumThreads: options.threads ?? threadCount(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  });
  let fallbackFrom: ModelSession['fallbackFrom'];
  let session: Session;
  try {
    session = await create(model, sessionOptions(provider));
  } catch (error) {
    if (provider === 'cpu') throw error;
    fallbackFrom = { provider, error: firstLine(error) };
    session = await create(model, sessionOptions('cpu'));
  }
  return {
    session,
    provider: fallbackFrom ? 'cpu' : provider,
    inputs: describe(session.inputMetadata),
    outputs: describe(session.outputMetadata),
    ...(fallbackFrom ? { fallbackFrom } : {}),
  };
}

/**
 * Tiles per network call: on CPU one tile already keeps every core busy, so batching only
 * costs memory; a GPU provider gets 4 when the model's batch dimension is dynamic.
 */
export function tileBatch(model: Pick<ModelSession, 'provider' | 'inputs'>): number {
  const batchDim = model.inputs[0]?.shape[0];
  return model.provider !== 'cpu' && typeof batchDim === 'string' ? 4 : 1;
}

/**
 * A tile runner (see tiling.ts) over an image-to-image session: first input in, first output
 * out, both float32 NCHW.
 */
export function sessionRunner(model: ModelSession) {
  const input = model.inputs[0]?.name;
  const output = model.outputs[0]?.name;
  if (!input || !output) throw new Error('the model has no input or no output');
  return async (data: Float32Array, n: number, channels: number, height: number, width: number) => {
    const { Tensor } = onnxruntime();
    const result = await model.session.run({ [input]: new Tensor('float32', data, [n, channels, height, width]) });
    const y = result[output]!;
    if (y.type !== 'float32' || y.dims.length !== 4) throw new Error(`the model's output "${output}" is ${y.type} with ${y.dims.length} dimensions, not float32 NCHW`);
    const [on, oc, oh, ow] = y.dims as readonly number[];
    return { data: y.data as Float32Array, n: on!, channels: oc!, height: oh!, width: ow! };
  };
}

