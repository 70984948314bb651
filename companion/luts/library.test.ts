import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { presetCube, writePresets } from './generate.js';
import { listLuts, resolveLut } from './library.js';
import { findPreset, PRESETS } from './presets.js';

const USER_LUT = `TITLE "Client grade v2"
LUT_3D_SIZE 2
0 0 0
1 0 0
0 1 0
1 1 0
0 0 1
1 0 1
0 1 1
1 1 1
`;

describe('LUT library', () => {
  let state: string;
  beforeEach(async () => {
    state = await mkdtemp(join(tmpdir(), 'refinery-state-'));
  });
  afterEach(async () => {
    await rm(state, { recursive: true, force: true });
  });

  async function addUserLut(name: string, text: string): Promise<string> {
    await mkdir(join(state, 'luts'), { recursive: true });
    const file = join(state, 'luts', name);
    await writeFile(file, text);
    return file;
  }

  it('keeps a parsed LUT while its file is unchanged, and reads it again once edited', async () => {
    const file = await addUserLut('Client.cube', USER_LUT);
    const first = (await resolveLut(file, state)).lut;
    expect((await resolveLut('client', state)).lut).toBe(first);
    expect((await resolveLut('teal-orange', state)).lut).toBe((await resolveLut('Teal-Orange.cube', state)).lut);
    await writeFile(file, USER_LUT.replace('TITLE "Client grade v2"', 'TITLE "Client grade v3, approved"'));
    const edited = (await resolveLut(file, state)).lut;
    expect(edited).not.toBe(first);
    expect(edited.title).toBe('Client grade v3, approved');
  });

  it('lists the built-in presets, materialised as files, and the user LUTs', async () => {
    const file = await addUserLut('Client.cube', USER_LUT);
    await addUserLut('notes.txt', 'not a LUT');
    const entries = await listLuts(state);

    const builtin = entries.filter((e) => e.builtin);
    expect(builtin.length).toBeGreaterThanOrEqual(8);
    for (const e of builtin) {
      expect(e.size).toBe(33);
      expect(await readFile(e.file, 'utf8')).toBe(presetCube(findPreset(e.name)!));
    }
    expect(entries.filter((e) => !e.builtin)).toEqual([
      { name: 'Client', category: 'user', size: 2, file, description: 'Client grade v2', builtin: false },
    ]);
  });

  it('lists a malformed user LUT with its error instead of failing', async () => {
    const file = await addUserLut('broken.cube', 'LUT_3D_SIZE 2\n0 0\n');
    const entry = (await listLuts(state)).find((e) => e.name === 'broken');
    expect(entry).toMatchObject({ size: 0, category: 'user', builtin: false });
    expect(entry?.description).toBe(`unusable: ${file}:2: expected 3 numbers, got 2`);
  });

  it('rewrites a preset file that was edited or deleted, and leaves a current one alone', async () => {
    const [first, second] = await writePresets(join(state, 'presets'));
    await writeFile(first!, 'tampered');
    await rm(second!);
    const before = (await stat(join(state, 'presets', `${PRESETS[2]!.name}.cube`))).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));

    await listLuts(state);
    expect(await readFile(first!, 'utf8')).toBe(presetCube(PRESETS[0]!));
    expect(await readFile(second!, 'utf8')).toBe(presetCube(PRESETS[1]!));
    expect((await stat(join(state, 'presets', `${PRESETS[2]!.name}.cube`))).mtimeMs).toBe(before);
    expect((await readdir(join(state, 'presets'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('resolves a preset by name, case-insensitively and with or without .cube', async () => {
    for (const query of ['teal-orange', 'Teal-Orange.cube']) {
      const found = await resolveLut(query, state);
      expect(found.name).toBe('teal-orange');
      expect(found.file).toBe(join(state, 'presets', 'teal-orange.cube'));
      expect(found.lut.lut3d?.size).toBe(33);
    }
  });

  it('resolves a user LUT by name', async () => {
    const file = await addUserLut('Client.cube', USER_LUT);
    const found = await resolveLut('client', state);
    expect(found).toMatchObject({ name: 'Client', file });
    expect(found.lut.title).toBe('Client grade v2');
  });

  it('prefers an existing path over a name', async () => {
    const elsewhere = join(state, 'teal-orange.cube');
    await writeFile(elsewhere, USER_LUT);
    const found = await resolveLut(elsewhere, state);
    expect(found.file).toBe(elsewhere);
    expect(found.lut.lut3d?.size).toBe(2);
  });

  it('resolves a path to a file with any name', async () => {
    const file = join(state, 'grade.CUBE');
    await copyFile(await addUserLut('x.cube', USER_LUT), file);
    expect((await resolveLut(file, state)).name).toBe('grade');
  });

  it('explains an unknown name in one line', async () => {
    await expect(resolveLut('no-such-look', state)).rejects.toThrow(
      'LUT not found: "no-such-look" is neither a file nor a preset (see "refinery luts list")',
    );
  });
});
