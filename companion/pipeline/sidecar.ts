// The sidecar `<output>.refinery.json`: enough to revert, re-render, or check that the
// source has not changed since.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { StepSpec } from '../../src/protocol/recipe.js';
import { commit, temporaryName } from './output.js';

export interface Sidecar {
  tool: { name: 'refinery'; version: string };
  createdAt: string;
  source: { path: string; sizeBytes: number; mtime: string; sha256: string };
  range: { inS: number; outS: number; inFrame: number; outFrame: number };
  handles: { head: number; tail: number };
  fps: string;
  timecode: string;
  recipe: { steps: StepSpec[]; codec: string };
  output: { path: string; sizeBytes: number; sha256: string; frames: number; width: number; height: number };
  warnings: string[];
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => hash.update(d))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

export function sidecarPath(output: string): string {
  return `${output}.refinery.json`;
}

export async function writeSidecar(output: string, sidecar: Sidecar): Promise<string> {
  const path = sidecarPath(output);
  const temp = temporaryName(path);
  await writeFile(temp, `${JSON.stringify(sidecar, null, 2)}\n`);
  await commit(temp, path);
  return path;
}
