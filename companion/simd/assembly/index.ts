// The pixel kernels compiled to WebAssembly with 128-bit SIMD (AssemblyScript; built by
// `npm run build:simd` into dist/companion/simd/kernels.wasm). They work on planes in the
// shared memory of a SimdArena (../arena.ts), addressed by byte offset, so the worker
// threads run them on the same pixels without copies.
export { blend } from './blend';
export { warp } from './warp';
export { estimateMotion } from './motion';
export { guideChroma } from './chroma';
export { dctShrink } from './dct';
export { rgbToYcc } from './colour';
export { gridSteps } from './grid';
export { deblockColumns, deblockRows } from './deblock';
export { buildPyramid } from './pyramid';
