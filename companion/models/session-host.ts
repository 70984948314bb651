// The inference worker's side of a hosted session (see runtime.ts): the ONNX Runtime sessions
// themselves, by id. onnxruntime-node's run() is one synchronous native call; on the main
// thread it held the companion's event loop for a whole network pass (up to ~0.7 s per tile
// during an upscale), so clients, previews and cancels waited.
import type * as Ort from 'onnxruntime-node';
import { onnxruntime } from './runtime.js';

/** A tensor as it crosses between threads. */
export interface PlainTensor {
  type: Ort.Tensor.Type;
  data: Ort.Tensor.DataType;
  dims: readonly number[];
}

const sessions = new Map<number, Ort.InferenceSession>();
let nextId = 1;

export async function openHosted(model: string | Uint8Array, options: Ort.InferenceSession.SessionOptions) {
  const session = await onnxruntime().InferenceSession.create(model as Uint8Array, options);
  const id = nextId++;
  sessions.set(id, session);
  return { id, inputMetadata: session.inputMetadata, outputMetadata: session.outputMetadata };
}

function hosted(id: number): Ort.InferenceSession {
  const session = sessions.get(id);
  if (!session) throw new Error(`no open session ${id}`);
  return session;
}

export async function runHosted(id: number, feeds: Record<string, PlainTensor>): Promise<Record<string, PlainTensor>> {
  const { Tensor } = onnxruntime();
  const inputs = Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, new Tensor(t.type, t.data as Float32Array, t.dims)]));
  const outputs = await hosted(id).run(inputs);
  return Object.fromEntries(Object.entries(outputs).map(([name, t]) => [name, { type: t.type, data: t.data, dims: t.dims }]));
}

export async function releaseHosted(id: number): Promise<void> {
  const session = sessions.get(id);
  sessions.delete(id);
  await session?.release();
}
