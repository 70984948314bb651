// A small PNG writer for previews: 8-bit RGB from 16-bit frames, deflated in-process at a
// fast level. Spawning ffmpeg for this cost more than the whole rest of a preview.
import { crc32, deflateSync } from 'node:zlib';
import type { Frame } from '../steps/step.js';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export function encodePng(frame: Frame): Buffer {
  const { width, height, data } = frame;
  const stride = width * 3 + 1;
  // Each scanline: filter type 0 (none), then the row's bytes, 16 bits rounded to 8.
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    let o = y * stride + 1;
    const end = (y + 1) * width * 3;
    for (let i = y * width * 3; i < end; i++) raw[o++] = (data[i]! * 255 + 32767) / 65535;
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 1 })), chunk('IEND', Buffer.alloc(0))]);
}
