// A real face for the face tests: NASA's public-domain portrait of Eileen Collins (see faces/README.md).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FFHQ_TEMPLATE_512 } from '../../companion/face/align.js';
import type { Frame } from '../../companion/steps/step.js';
import { ffmpeg, REPO } from './media.js';

const run = promisify(execFile);

export const ASTRONAUT = join(REPO, 'test', 'support', 'faces', 'astronaut.jpg');

/** Where her face is in the 512x512 picture, read off the image by eye (pupils, nose tip, mouth corners). */
export const ASTRONAUT_FACE = {
  leftEye: { x: 202.5, y: 100.5 },
  rightEye: { x: 247, y: 103 },
  nose: { x: 224, y: 126 },
  mouthLeft: { x: 203, y: 140 },
  mouthRight: { x: 244, y: 139 },
};

/** An image file as a 16-bit RGB frame, optionally scaled to width × height (bicubic) and/or through an ffmpeg filter that keeps the size. */
export async function readImage(path: string, size?: { width: number; height: number }, filter?: string): Promise<Frame> {
  const chain = [...(size ? [`scale=${size.width}:${size.height}:flags=bicubic`] : []), ...(filter ? [filter] : [])];
  const filters = chain.length > 0 ? ['-vf', chain.join(',')] : [];
  const { stdout } = await run(ffmpeg(), ['-v', 'error', '-i', path, ...filters, '-f', 'rawvideo', '-pix_fmt', 'rgb48le', 'pipe:1'], {
    encoding: 'buffer',
    maxBuffer: 1 << 28,
  });
  const width = size?.width ?? 512;
  const height = size?.height ?? 512;
  const data = new Uint16Array(stdout.buffer.slice(stdout.byteOffset, stdout.byteOffset + stdout.byteLength));
  if (data.length !== width * height * 3) throw new Error(`${path}: expected ${width}x${height}, got ${data.length / 3} pixels`);
  return { width, height, data };
}

/** A 512x512 planar picture (3 equal channels) of Gaussian dots on the five FFHQ template landmarks, for faceNet's offset. */
export function templateMarks(amplitude = 1, sigma = 4): Float32Array {
  const plane = 512 * 512;
  const marks = new Float32Array(3 * plane);
  const reach = Math.ceil(5 * sigma);
  for (const p of FFHQ_TEMPLATE_512) {
    for (let v = Math.floor(p.y) - reach; v <= p.y + reach; v++) {
      for (let u = Math.floor(p.x) - reach; u <= p.x + reach; u++) {
        const g = amplitude * Math.exp(-((u - p.x) ** 2 + (v - p.y) ** 2) / (2 * sigma * sigma));
        for (let c = 0; c < 3; c++) marks[c * plane + v * 512 + u] = g;
      }
    }
  }
  return marks;
}
