// The built-in model catalogue: public weights that `refinery models fetch <id>` can download
// without --catalog, each pinned by the sha256 its publisher lists. Nothing here is fetched
// unless the user asks for it by id.
import type { CatalogEntry } from './fetch.js';

export const BUILT_IN_CATALOG: readonly CatalogEntry[] = [
  {
    id: 'gfpgan-1.4',
    task: 'face',
    // TencentARC publishes GFPGAN v1.4 as PyTorch weights only; this is the ONNX export
    // (input/output [1, 3, 512, 512], RGB in [-1, 1]) that clibdev/GFPGAN-onnxruntime-demo
    // publishes with this SHA-256 in its README (324.5 MB, no exact byte count given).
    url: 'https://github.com/clibdev/GFPGAN-onnxruntime-demo/releases/latest/download/gfpgan-v1.4.onnx',
    sha256: '497ff5b6d6008ec101b2714776ce39ce67a722a78720dfce84231e612e45053e',
    licence: 'Apache-2.0 (TencentARC GFPGAN)',
    description: 'GFPGAN v1.4 blind face restoration, 512x512 aligned faces',
  },
];
