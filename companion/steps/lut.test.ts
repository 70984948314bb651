import { describe, expect, it } from 'vitest';
import { inlinePool } from '../../test/support/kernels.js';
import { tempDir } from '../../test/support/media.js';
import type { MediaInfo } from '../media/probe.js';
import { lutStep } from './lut.js';

async function notesFor(transfer: string | null): Promise<string[]> {
  const source = { colour: { primaries: null, transfer, matrix: null, range: null } } as unknown as MediaInfo;
  const step = await lutStep.create(
    { op: 'lut', path: 'teal-orange', strength: 1, interpolation: 'tetrahedral' },
    { source, width: 4, height: 4, stateDir: await tempDir(), workers: inlinePool() },
  );
  return step.notes?.() ?? [];
}

describe('the LUT step', () => {
  it('warns that a look lands on HDR code values as they are, for PQ and HLG sources only', async () => {
    expect(await notesFor('arib-std-b67')).toEqual([expect.stringMatching(/^lut: the source is HDR \(HLG\); teal-orange is applied/)]);
    expect(await notesFor('smpte2084')).toEqual([expect.stringMatching(/HDR \(PQ\)/)]);
    expect(await notesFor('bt709')).toEqual([]);
    expect(await notesFor(null)).toEqual([]);
  });
});
