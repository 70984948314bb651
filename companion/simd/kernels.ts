// The compiled SIMD kernels (assembly/), instantiated on the memory of the arena that holds
// the planes, once per arena and thread.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface SimdKernels {
  blend(
    curY: number, curCb: number, curCr: number, table: number, base: number, n: number, inv: number,
    width: number, height: number, outY: number, outCb: number, outCr: number, sums: number, y0: number, y1: number,
  ): void;
  deblockColumns(
    y: number, cb: number, cr: number, width: number, height: number, phaseY: number, t8: number, t4: number, tc: number, four: number, y0: number, y1: number,
  ): void;
  deblockRows(y: number, cb: number, cr: number, width: number, phaseX: number, t8: number, t4: number, tc: number, y0: number, y1: number): void;
  buildPyramid(y: number, full: number, half: number, quarter: number, width: number, height: number, y0: number, y1: number): void;
  dctShrink(src: number, dst: number, block: number, width: number, height: number, threshold: number, shifts: number, flat: number, y0: number, y1: number): void;
  estimateMotion(
    cur: number, cur1: number, cur2: number, ref: number, ref1: number, ref2: number, width: number, height: number,
    pred: number, scale: number, out: number, search: number, y0: number, y1: number,
  ): void;
  gridSteps(plane: number, width: number, height: number, horizontal: number, out: number, y0: number, y1: number): void;
  guideChroma(srcY: number, srcCb: number, srcCr: number, inv: number, invC: number, width: number, height: number, rgb: number, weights: number, y0: number, y1: number): void;
  rgbToYcc(rgb: number, y: number, cb: number, cr: number, first: number, end: number): void;
  warp(
    curY: number, curCb: number, curCr: number, refY: number, refCb: number, refCr: number, vectors: number,
    width: number, height: number, predY: number, predCb: number, predCr: number, diff: number, places: number, y0: number, y1: number,
  ): void;
}

let compiled: WebAssembly.Module | undefined;

function module(): WebAssembly.Module {
  if (!compiled) {
    // Beside the compiled module; the tests run the TypeScript sources, whose build output is in dist/.
    const candidates = ['./kernels.wasm', '../../dist/companion/simd/kernels.wasm'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
    const file = candidates.find((f) => existsSync(f));
    if (!file) throw new Error('dist/companion/simd/kernels.wasm is missing: run npm run build');
    compiled = new WebAssembly.Module(readFileSync(file));
  }
  return compiled;
}

/**
 * This thread's instances by arena id (the memory's first word; see arena.ts): a memory sent
 * to a worker arrives as a new object each time, so its id is what tells it is the same.
 * Instantiating takes 35-50 µs, and a 1080p frame makes ~40 kernel calls. Arenas are reused,
 * not dropped, so the few kept here hold no memory that would otherwise be freed.
 */
const instances = new Map<number, SimdKernels>();
const KEPT = 8;

export function simd(memory: WebAssembly.Memory): SimdKernels {
  const id = new Uint32Array(memory.buffer, 0, 1)[0]!;
  let kernels = instances.get(id);
  if (!kernels) {
    kernels = new WebAssembly.Instance(module(), { env: { memory } }).exports as unknown as SimdKernels;
    // Unnamed memories (id 0) get an instance each time.
    if (id > 0) {
      if (instances.size >= KEPT) instances.delete(instances.keys().next().value!);
      instances.set(id, kernels);
    }
  }
  return kernels;
}
