// Face detection and landmarks with the models that ship in @vladmandic/human on npm
// (MediaPipe BlazeFace for boxes, FaceMesh for 468 landmarks; Apache-2.0 weights, MIT code),
// run by TF.js on its WebAssembly backend. Everything loads from node_modules: while the
// models load, `fetch` serves only file:// addresses inside the models folder, so nothing can
// reach the network, and afterwards the real `fetch` is back.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WorkerPool } from '../pipeline/workers.js';
import type { Frame } from '../steps/step.js';
import type { FivePoints, Point } from './align.js';
import type { Detection } from './tracker.js';

const require = createRequire(import.meta.url);

/** Frames are shrunk to at most this many pixels on the long side before detection (BlazeFace sees 256 anyway). */
export const DETECT_SIZE = 640;
/** Faces whose eyes are closer than this (frame pixels) are too small to restore. */
const MIN_EYE_DISTANCE = 12;

// FaceMesh landmark indices: eye corners and lids (image-left eye, image-right eye), nose tip, mouth corners.
const LEFT_EYE = [33, 133, 159, 145];
const RIGHT_EYE = [263, 362, 386, 374];
const NOSE_TIP = 4;
const MOUTH_LEFT = 61;
const MOUTH_RIGHT = 291;

export interface FaceDetector {
  /** What detects, for logs. */
  readonly name: string;
  detect(frame: Frame): Promise<Detection[]>;
}

// The parts of Human's API used here.
interface HumanFace {
  box: [number, number, number, number];
  score: number;
  mesh: [number, number, number?][];
}
interface HumanTensor {
  dispose(): void;
}
interface Human {
  load(): Promise<void>;
  detect(input: HumanTensor): Promise<{ face: HumanFace[]; error?: string | null }>;
  tf: { tensor(data: Float32Array, shape: number[], dtype: 'float32'): HumanTensor; getBackend(): string };
}

/** An installed package's folder (found from its entry point: these packages export no package.json). */
function packageDir(name: string): string {
  for (let dir = dirname(require.resolve(name)); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name) return dir;
  }
  throw new Error(`cannot find the ${name} package`);
}

/** Runs `load` with a fetch that serves files under `dir` only. */
async function withLocalFetch<T>(dir: string, load: () => Promise<T>): Promise<T> {
  const real = globalThis.fetch;
  const root = `${pathToFileURL(dir).href}/`;
  globalThis.fetch = (async (input: string | URL | Request) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(root) || url.includes('..')) throw new Error(`face models load from ${dir} only, not ${url}`);
    return new Response(await readFile(new URL(url)), { status: 200 });
  }) as typeof fetch;
  try {
    return await load();
  } finally {
    globalThis.fetch = real;
  }
}

let human: Promise<Human> | undefined;

/** One Human per process: TF.js keeps global state. Loads on first use. */
function loadHuman(): Promise<Human> {
  human ??= (async () => {
    const root = packageDir('@vladmandic/human');
    const models = join(root, 'models');
    const wasm = `${join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist')}/`;
    const { Human } = require(join(root, 'dist', 'human.node-wasm.js')) as { Human: new (config: object) => Human };
    const off = { enabled: false };
    const instance = new Human({
      backend: 'wasm',
      wasmPath: wasm,
      modelBasePath: `${pathToFileURL(models).href}/`,
      debug: false,
      // Every frame is detected afresh: the tracker, not Human's cache, carries faces over frames.
      cacheSensitivity: 0,
      filter: off,
      face: {
        enabled: true,
        // rotation: FaceMesh on the upright face; without it a head rolled by 30° loses its landmarks by 10 px and more.
        detector: { rotation: true, maxDetected: 8, skipFrames: 0, skipTime: 0, minConfidence: 0.5, return: false },
        mesh: { enabled: true },
        iris: off, description: off, emotion: off, antispoof: off, liveness: off, attention: off,
      },
      body: off, hand: off, object: off, gesture: off, segmentation: off,
    });
    await withLocalFetch(models, () => instance.load());
    return instance;
  })();
  human.catch(() => (human = undefined));
  return human;
}

/** The frame shrunk by `factor` (area average), as float32 RGB in 0..255, height × width × 3. */
export function shrink(frame: Frame, factor: number): { data: Float32Array; width: number; height: number } {
  const width = Math.max(1, Math.round(frame.width / factor));
  const height = Math.max(1, Math.round(frame.height / factor));
  const out = new Float32Array(width * height * 3);
  const sx = frame.width / width;
  const sy = frame.height / height;
  const scale = 255 / 65535;
  for (let y = 0; y < height; y++) {
    const ya = Math.floor(y * sy);
    const yb = Math.max(ya + 1, Math.floor((y + 1) * sy));
    for (let x = 0; x < width; x++) {
      const xa = Math.floor(x * sx);
      const xb = Math.max(xa + 1, Math.floor((x + 1) * sx));
      let r = 0;
      let g = 0;
      let b = 0;
      for (let yy = ya; yy < yb; yy++) {
        for (let xx = xa; xx < xb; xx++) {
          const i = (yy * frame.width + xx) * 3;
          r += frame.data[i]!;
          g += frame.data[i + 1]!;
          b += frame.data[i + 2]!;
        }
      }
      const n = scale / ((yb - ya) * (xb - xa));
      const o = (y * width + x) * 3;
      out[o] = r * n;
      out[o + 1] = g * n;
      out[o + 2] = b * n;
    }
  }
  return { data: out, width, height };
}

function centre(mesh: HumanFace['mesh'], indices: number[]): Point {
  return {
    x: indices.reduce((s, i) => s + mesh[i]![0], 0) / indices.length,
    y: indices.reduce((s, i) => s + mesh[i]![1], 0) / indices.length,
  };
}

/** The five alignment landmarks from a FaceMesh mesh. */
export function fivePoints(mesh: HumanFace['mesh']): FivePoints {
  const at = (i: number): Point => ({ x: mesh[i]![0], y: mesh[i]![1] });
  return [centre(mesh, LEFT_EYE), centre(mesh, RIGHT_EYE), at(NOSE_TIP), at(MOUTH_LEFT), at(MOUTH_RIGHT)];
}

let queue: Promise<unknown> = Promise.resolve();

/** Finds the faces in one frame (on whichever thread createDetector chose). */
export function detectFaces(frame: Frame): Promise<Detection[]> {
  // TF.js is one engine per thread: detections run one at a time.
  const run = queue.then(async () => {
    const h = await loadHuman();
    const factor = Math.max(1, Math.max(frame.width, frame.height) / DETECT_SIZE);
    const small = shrink(frame, factor);
    const sx = frame.width / small.width;
    const sy = frame.height / small.height;
    const input = h.tf.tensor(small.data, [1, small.height, small.width, 3], 'float32');
    try {
      const result = await h.detect(input);
      if (result.error) throw new Error(`face detection failed: ${result.error}`);
      return result.face.flatMap((f): Detection[] => {
        if (f.mesh.length < 468) return [];
        const landmarks = fivePoints(f.mesh).map((p) => ({ x: p.x * sx, y: p.y * sy })) as FivePoints;
        if (Math.hypot(landmarks[1].x - landmarks[0].x, landmarks[1].y - landmarks[0].y) < MIN_EYE_DISTANCE) return [];
        const [x, y, w, hgt] = f.box;
        return [{ box: { x: x * sx, y: y * sy, width: w * sx, height: hgt * sy }, score: f.score, landmarks }];
      });
    } finally {
      input.dispose();
    }
  });
  queue = run.catch(() => undefined);
  return run;
}

/** Loads the models on this thread; says which TF.js backend runs them. */
export async function detectorBackend(): Promise<string> {
  return (await loadHuman()).tf.getBackend();
}

const THIS_MODULE = import.meta.url;

/**
 * The shipped detector: BlazeFace + FaceMesh from @vladmandic/human on TF.js wasm. With
 * `workers` it runs there (a detection is ~150 ms of CPU, which on the companion's main
 * thread held up every client, preview and pipe meanwhile); without, on this thread.
 */
export async function createDetector(workers?: WorkerPool): Promise<FaceDetector> {
  const backend = workers ? await workers.run<string>(THIS_MODULE, 'detectorBackend', []) : await detectorBackend();
  return {
    name: `BlazeFace + FaceMesh (@vladmandic/human, TF.js ${backend})`,
    detect: (frame) => (workers ? workers.run<Detection[]>(THIS_MODULE, 'detectFaces', [frame]) : detectFaces(frame)),
  };
}
