// Colour tags: which YUV matrix a source was encoded with, and how the output is tagged.
import type { MediaInfo } from './probe.js';

// ffprobe's colour-space names → the scale filter's colour-matrix names.
const SCALE_MATRIX: Record<string, string> = {
  bt709: 'bt709',
  smpte170m: 'smpte170m',
  bt470bg: 'bt470',
  fcc: 'fcc',
  smpte240m: 'smpte240m',
  bt2020nc: 'bt2020',
  bt2020c: 'bt2020',
};

export function scaleMatrix(colourSpace: string): string {
  return SCALE_MATRIX[colourSpace] ?? 'bt709';
}

/** The YUV matrix a source was encoded with; untagged HD is BT.709, untagged SD BT.601. */
export function sourceMatrix(media: Pick<MediaInfo, 'colour' | 'height'>): string {
  if (media.colour.matrix && SCALE_MATRIX[media.colour.matrix]) return SCALE_MATRIX[media.colour.matrix]!;
  return media.height > 576 ? 'bt709' : 'smpte170m';
}

export interface ColourTags {
  primaries: string;
  transfer: string;
  matrix: string;
}

/** The output keeps the source's tags; what the source leaves unsaid becomes BT.709, said in a warning. */
export function outputColour(media: MediaInfo): { tags: ColourTags; warning?: string } {
  const { primaries, transfer, matrix } = media.colour;
  const usableMatrix = matrix && SCALE_MATRIX[matrix] ? matrix : null;
  const tags = { primaries: primaries ?? 'bt709', transfer: transfer ?? 'bt709', matrix: usableMatrix ?? 'bt709' };
  const missing = [!primaries && 'primaries', !transfer && 'transfer', !usableMatrix && 'matrix'].filter(Boolean);
  return missing.length
    ? { tags, warning: `source has no colour ${missing.join('/')} tag; output tagged BT.709` }
    : { tags };
}
