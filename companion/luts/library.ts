// Finds LUTs by name or path: the built-in presets (materialised as .cube files under
// <stateDir>/presets so ffmpeg, the panel and the user can open them too) and the user's
// own files in <stateDir>/luts.
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { cachedByFile } from '../file-cache.js';
import { parseCube, readCube, type CubeLut } from './cube.js';
import { presetCube, writePreset, writePresets } from './generate.js';
import { findPreset, PRESETS } from './presets.js';

export interface LutEntry {
  name: string;
  category: string;
  /** Lattice points per axis (3D size, or the 1D size of a 1D-only LUT); 0 if unreadable. */
  size: number;
  file: string;
  description: string;
  builtin: boolean;
}

const presetsDir = (stateDir: string): string => join(stateDir, 'presets');
const userDir = (stateDir: string): string => join(stateDir, 'luts');
const lutName = (file: string): string => basename(file).replace(/\.cube$/i, '');

/** The user's .cube files, sorted by name; a missing folder is simply no LUTs. */
async function userFiles(stateDir: string): Promise<string[]> {
  const dir = userDir(stateDir);
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw new Error(`cannot list LUTs in ${dir}: ${err.code ?? err.message}`);
  });
  return names
    .filter((n) => /\.cube$/i.test(n))
    .sort((a, b) => a.localeCompare(b))
    .map((n) => join(dir, n));
}

async function userEntry(file: string): Promise<LutEntry> {
  const entry = { name: lutName(file), category: 'user', file, builtin: false };
  try {
    const lut = await readCube(file);
    const size = lut.lut3d?.size ?? lut.lut1d?.size ?? 0;
    return { ...entry, size, description: lut.title ?? '' };
  } catch (err) {
    return { ...entry, size: 0, description: `unusable: ${(err as Error).message}` };
  }
}

/** Built-in presets first (in their fixed order), then the user's LUTs by name. */
export async function listLuts(stateDir: string): Promise<LutEntry[]> {
  const files = await writePresets(presetsDir(stateDir));
  const builtin = PRESETS.map(
    (p, i): LutEntry => ({
      name: p.name,
      category: p.category,
      size: p.size,
      file: files[i]!,
      description: p.description,
      builtin: true,
    }),
  );
  const user = await Promise.all((await userFiles(stateDir)).map(userEntry));
  return [...builtin, ...user];
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

// Every preview resolves its LUT again, so parsed LUTs are kept: presets for good, files
// while their size and mtime are unchanged.
const parsedPresets = new Map<string, CubeLut>();
const readCubeCached = cachedByFile(readCube, 16);

/**
 * An existing file path wins; otherwise a preset name, then a user LUT name (both
 * case-insensitive, ".cube" optional). Presets come before user LUTs so a recipe naming
 * a preset grades the same on every machine.
 */
export async function resolveLut(
  nameOrPath: string,
  stateDir: string,
): Promise<{ file: string; lut: CubeLut; name: string }> {
  if (await isFile(nameOrPath)) return { file: nameOrPath, lut: await readCubeCached(nameOrPath), name: lutName(nameOrPath) };

  const key = nameOrPath.replace(/\.cube$/i, '').toLowerCase();
  const preset = findPreset(key);
  if (preset) {
    const file = await writePreset(preset, presetsDir(stateDir));
    let lut = parsedPresets.get(file);
    if (!lut) parsedPresets.set(file, (lut = parseCube(presetCube(preset), file)));
    return { file, lut, name: preset.name };
  }
  const file = (await userFiles(stateDir)).find((f) => lutName(f).toLowerCase() === key);
  if (file) return { file, lut: await readCubeCached(file), name: lutName(file) };

  throw new Error(`LUT not found: "${nameOrPath}" is neither a file nor a preset (see "refinery luts list")`);
}
