// The inference worker's side of a hosted session (see runtime.ts): the ONNX Runtime sessions
// themselves, by id. onnxruntime-node's run() is one synchronous native call; on the main
// thread it held the companion's event loop for a whole network pass (up to ~0.7 s per tile
// during an upscale), so clients, previews and cancels waited.
import type * as Ort from 'onnxruntime-node';
import { onnxruntime, ortTensors, type PlainTensor, plainTensors } from './runtime.js';

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
  return plainTensors(await hosted(id).run(ortTensors(feeds)));
}

export async function releaseHosted(id: number): Promise<void> {
  const session = sessions.get(id);
  sessions.delete(id);
  await session?.release();
}
