// `node dist/bench/face.js [stateDir]`: the face step's numbers on the public-domain test
// portrait (test/support/faces/astronaut.jpg): detection time a frame, frames/s of the face
// step at 1080p and 540p around an identity network (the step's own cost) and with the
// ESRGAN fallback, and landmark jitter before and after tracking on a panned H.264 clip.
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createDetector, type FaceDetector } from '../companion/face/detect.js';
import { FaceRestoration } from '../companion/face/restore.js';
import { faceModelRestorer, openRestorer, registryModels, type Restorer } from '../companion/face/restorer.js';
import { FaceTracker } from '../companion/face/tracker.js';
import { resolveTool } from '../companion/media/ffmpeg.js';
import { encodeModel } from '../companion/models/onnx-proto.js';
import { createSession } from '../companion/models/runtime.js';
import type { Frame } from '../companion/steps/step.js';

const run = promisify(execFile);
const PORTRAIT = new URL('../../test/support/faces/astronaut.jpg', import.meta.url).pathname;

/** Frames decoded by ffmpeg as 16-bit RGB. */
async function frames(args: string[], width: number, height: number): Promise<Frame[]> {
  const { stdout } = await run(resolveTool('ffmpeg').path, ['-v', 'error', ...args, '-f', 'rawvideo', '-pix_fmt', 'rgb48le', 'pipe:1'], { encoding: 'buffer', maxBuffer: 1 << 30 });
  const all = new Uint16Array(stdout.buffer.slice(stdout.byteOffset, stdout.byteOffset + stdout.byteLength));
  const size = width * height * 3;
  return Array.from({ length: all.length / size }, (_, i) => ({ width, height, data: all.slice(i * size, (i + 1) * size) }));
}

/** The portrait, square, centred in a width × height frame. */
const framed = async (width: number, height: number) => (await frames(['-i', PORTRAIT, '-vf', `scale=${height}:${height},pad=${width}:${height}:${(width - height) / 2}:0`], width, height))[0]!;

async function msPer(times: number, work: () => Promise<unknown>): Promise<number> {
  await work();
  const start = performance.now();
  for (let i = 0; i < times; i++) await work();
  return (performance.now() - start) / times;
}

function identityNet(): Uint8Array {
  const shape = [1, 3, 512, 512];
  return encodeModel({
    name: 'identity',
    inputs: [{ name: 'input', shape }],
    outputs: [{ name: 'output', shape }],
    initializers: [{ name: 'one', dims: [1], data: Float32Array.of(1) }],
    nodes: [{ op: 'Mul', inputs: ['input', 'one'], outputs: ['output'] }],
  });
}

async function jitter(detector: FaceDetector): Promise<{ raw: number; tracked: number; eyes: number }> {
  // 30 frames panned 2 px right and 1 px down a frame across the portrait at 1024 px, H.264 at CRF 26.
  const dir = await mkdtemp(join(tmpdir(), 'refinery-face-bench-'));
  const clip = join(dir, 'pan.mp4');
  await run(resolveTool('ffmpeg').path, ['-v', 'error', '-y', '-loop', '1', '-framerate', '25', '-i', PORTRAIT, '-vf', 'scale=1024:1024,crop=640:480:100+2*n:20+n,format=yuv420p', '-frames:v', '30', '-c:v', 'libx264', '-crf', '26', clip]);
  const tracker = new FaceTracker();
  const raw: { x: number; y: number }[][] = [];
  const tracked: { x: number; y: number }[][] = [];
  for (const [n, frame] of (await frames(['-i', clip], 640, 480)).entries()) {
    const found = await detector.detect(frame);
    const [face] = tracker.update(found);
    // On the photograph (the pan undone) a rigid face's landmarks should not move at all.
    const undo = (p: { x: number; y: number }) => ({ x: p.x + 2 * n, y: p.y + n });
    raw.push(found[0]!.landmarks.map(undo));
    tracked.push(face!.landmarks.map(undo));
  }
  const rms = (seq: { x: number; y: number }[][]) => {
    let sum = 0;
    let count = 0;
    for (let n = 6; n < seq.length; n++) {
      for (let k = 0; k < 5; k++) {
        sum += (seq[n]![k]!.x - seq[n - 1]![k]!.x) ** 2 + (seq[n]![k]!.y - seq[n - 1]![k]!.y) ** 2;
        count++;
      }
    }
    return Math.sqrt(sum / count);
  };
  return { raw: rms(raw), tracked: rms(tracked), eyes: Math.hypot(raw[0]![1]!.x - raw[0]![0]!.x, raw[0]![1]!.y - raw[0]![0]!.y) };
}

const stateDir = process.argv[2] ?? (await mkdtemp(join(tmpdir(), 'refinery-face-bench-state-')));
const detector = await createDetector();
for (const [width, height] of [[1920, 1080], [960, 540]] as const) {
  const frame = await framed(width, height);
  const detect = await msPer(5, () => detector.detect(frame));
  const restorers: [string, Restorer][] = [
    ['around an identity network', faceModelRestorer(await createSession(identityNet()), 'identity')],
    ['with the ESRGAN fallback', await openRestorer({ ...registryModels(stateDir), face: async () => undefined })],
  ];
  for (const [name, restorer] of restorers) {
    const restoration = new FaceRestoration(detector, restorer, { strength: 1 });
    const copy = { ...frame, data: frame.data.slice() };
    const ms = await msPer(4, () => restoration.process(copy));
    console.log(`${width}x${height}: detection ${detect.toFixed(0)} ms/frame; face step ${name}: ${(1000 / ms).toFixed(2)} frames/s (${restorer.description})`);
    await restorer.close();
  }
}
const j = await jitter(detector);
console.log(`landmark jitter frame to frame (eyes ${j.eyes.toFixed(0)} px apart): ${j.raw.toFixed(2)} px detected, ${j.tracked.toFixed(2)} px tracked`);
