import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveTool } from './ffmpeg.js';
import { encodePng } from './png.js';

describe('preview PNG', () => {
  it('decodes in ffmpeg to the frame rounded to 8 bits', () => {
    const width = 37;
    const height = 11;
    const data = new Uint16Array(width * height * 3).map((_, i) => (i * 2654435761) % 65536);
    const file = join(mkdtempSync(join(tmpdir(), 'refinery-png-')), 'frame.png');
    writeFileSync(file, encodePng({ width, height, data }));
    const decoded = execFileSync(resolveTool('ffmpeg').path, ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
    expect(decoded.length).toBe(width * height * 3);
    for (let i = 0; i < data.length; i++) expect(decoded[i]).toBe(Math.round((data[i]! * 255) / 65535));
  });
});
