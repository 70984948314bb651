// The @upscalerjs models run the way upscalerjs runs them: TF.js with the wasm backend, the
// package's own custom layers (its setup()) and value ranges. The reference for the
// converter's parity test and the baseline of the speed benchmark. Tensors in and out are
// Refinery's convention (NCHW RGB in [0, 1]), converted here, outside the timed model call
// only where the caller wants it.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Tf from '@tensorflow/tfjs';
import type { ConvertibleModel } from '../companion/models/upscalerjs.js';

const require = createRequire(import.meta.url);
let ready: Promise<typeof Tf> | undefined;

/** TF.js on the wasm backend, its .wasm files loaded from the installed package. */
export function tfjsWasm(): Promise<typeof Tf> {
  ready ??= (async () => {
    const tf = require('@tensorflow/tfjs') as typeof Tf;
    const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(prefix: string): void };
    wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
    if (!(await tf.setBackend('wasm'))) throw new Error('the TF.js wasm backend did not start');
    return tf;
  })();
  return ready;
}

interface Definition {
  inputRange: [number, number];
  outputRange: [number, number];
  setup?: (tf: typeof Tf) => void;
}

export interface TfjsUpscaler {
  scale: number;
  /** NCHW [1, 3, h, w] in [0, 1] -> NCHW [1, 3, h*scale, w*scale] in [0, 1], clipped. */
  run(input: Float32Array, height: number, width: number): Promise<Float32Array>;
  dispose(): void;
}

export async function tfjsUpscaler(model: ConvertibleModel): Promise<TfjsUpscaler> {
  const tf = await tfjsWasm();
  const def = require(`${model.package}/${model.scale}x`) as Definition;
  def.setup?.(tf);
  const json = JSON.parse(await readFile(join(model.tfjsDir, 'model.json'), 'utf8')) as {
    modelTopology: Tf.io.ModelArtifacts['modelTopology'];
    weightsManifest: { paths: string[]; weights: Tf.io.WeightsManifestEntry[] }[];
  };
  const shards = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(join(model.tfjsDir, p))));
  const data = Buffer.concat(shards);
  const layers = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
    }),
  );
  const [i0, i1] = def.inputRange;
  const [o0, o1] = def.outputRange;
  return {
    scale: model.scale,
    async run(input, height, width) {
      const y = tf.tidy(() => {
        const x = tf.tensor4d(input, [1, 3, height, width]).transpose([0, 2, 3, 1]).mul(i1 - i0).add(i0);
        const out = layers.predict(x) as Tf.Tensor4D;
        return out.sub(o0).div(o1 - o0).clipByValue(0, 1).transpose([0, 3, 1, 2]);
      });
      const values = (await y.data()) as Float32Array;
      y.dispose();
      return values;
    },
    dispose: () => layers.dispose(),
  };
}
