// Reader and writer for Adobe/Resolve .cube LUTs.
// Adobe's spec (Cube LUT Specification 1.0) gives TITLE, DOMAIN_MIN/MAX and one table per
// file; Resolve adds a 1D "shaper" before a 3D table, with LUT_1D_INPUT_RANGE and
// LUT_3D_INPUT_RANGE giving each table its own input range. We accept both: DOMAIN_MIN/MAX
// set the domain of every table in the file and an INPUT_RANGE overrides it for its table.
import { readFile, stat } from 'node:fs/promises';

export type Vec3 = [number, number, number];

export interface Table1D {
  size: number;
  domainMin: Vec3;
  domainMax: Vec3;
  /** size*3 values, RGB per entry. */
  table: Float32Array;
}

export interface Table3D {
  size: number;
  domainMin: Vec3;
  domainMax: Vec3;
  /** size^3*3 values, RGB per entry, red index changing fastest (the file's row order). */
  table: Float32Array;
}

export interface CubeLut {
  title?: string;
  /** With lut3d present, a shaper applied before the 3D table. */
  lut1d?: Table1D;
  lut3d?: Table3D;
  /** File name or path the LUT was read from, for messages. */
  source: string;
}

export class CubeError extends Error {
  override name = 'CubeError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

const SIZE_RANGE = { LUT_1D_SIZE: [2, 65536], LUT_3D_SIZE: [2, 129] } as const;
/** Above this a .cube is not a LUT anyone grades with (a 129^3 file is about 60 MiB). */
const MAX_CUBE_BYTES = 64 * 1024 * 1024;

// A decimal number as .cube writers emit it; rejects what Number() would also accept
// ("", "0x1f", "Infinity") so a typo is reported rather than read as a value.
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
// Keywords are upper-case identifiers; anything else is a data row, so "abc 0 0" is
// reported as a bad number and an ignored line always shows up in the row count.
const KEYWORD = /^[A-Z][A-Z0-9_]*$/;
const KNOWN_KEYWORDS = new Set([
  'TITLE',
  'LUT_1D_SIZE',
  'LUT_3D_SIZE',
  'DOMAIN_MIN',
  'DOMAIN_MAX',
  'LUT_1D_INPUT_RANGE',
  'LUT_3D_INPUT_RANGE',
]);

interface Range {
  min: Vec3;
  max: Vec3;
  /** Line of the keyword that set it; 0 for the default [0,1]. */
  line: number;
}

/** What the keyword lines say; they all precede the data rows. */
interface Header {
  title?: string;
  size1: number;
  size3: number;
  domain: Range;
  range1?: Range;
  range3?: Range;
  seen: Set<string>;
}

function fail(file: string, line: number, reason: string): never {
  throw new CubeError(file, line, reason);
}

function parseNumber(token: string, file: string, line: number): number {
  if (!NUMBER.test(token)) fail(file, line, `'${token}' is not a number`);
  const value = Number(token);
  if (!Number.isFinite(value)) fail(file, line, `'${token}' is not a finite number`);
  return value;
}

/** Applies one keyword line to the header; unknown keywords are metadata we can skip. */
function readKeyword(h: Header, keyword: string, rest: string, file: string, line: number): void {
  const args = rest === '' ? [] : rest.split(/\s+/);
  const expectArgs = (n: number): void => {
    if (args.length !== n) fail(file, line, `${keyword} expects ${n} values, got ${args.length}`);
  };
  const mark = (): void => {
    if (h.seen.has(keyword)) fail(file, line, `duplicate ${keyword}`);
    h.seen.add(keyword);
  };
  switch (keyword) {
    case 'TITLE':
      mark();
      h.title = rest.replace(/^"(.*)"$/, '$1');
      return;
    case 'LUT_1D_SIZE':
    case 'LUT_3D_SIZE': {
      mark();
      expectArgs(1);
      if (!/^\d+$/.test(args[0]!)) fail(file, line, `${keyword} '${args[0]}' is not an integer`);
      const n = Number(args[0]);
      const [lo, hi] = SIZE_RANGE[keyword];
      if (n < lo || n > hi) fail(file, line, `${keyword} ${args[0]} out of range ${lo}..${hi}`);
      if (keyword === 'LUT_1D_SIZE') h.size1 = n;
      else h.size3 = n;
      return;
    }
    case 'DOMAIN_MIN':
    case 'DOMAIN_MAX': {
      mark();
      expectArgs(3);
      const v = args.map((a) => parseNumber(a, file, line)) as Vec3;
      h.domain = keyword === 'DOMAIN_MIN' ? { ...h.domain, min: v, line } : { ...h.domain, max: v, line };
      return;
    }
    case 'LUT_1D_INPUT_RANGE':
    case 'LUT_3D_INPUT_RANGE': {
      mark();
      expectArgs(2);
      const lo = parseNumber(args[0]!, file, line);
      const hi = parseNumber(args[1]!, file, line);
      const range: Range = { min: [lo, lo, lo], max: [hi, hi, hi], line };
      if (keyword === 'LUT_1D_INPUT_RANGE') h.range1 = range;
      else h.range3 = range;
      return;
    }
  }
}

/** Parses .cube text; `file` names the source in error messages. */
export function parseCube(text: string, file: string): CubeLut {
  const lines = text.split('\n');
  const h: Header = { size1: 0, size3: 0, domain: { min: [0, 0, 0], max: [1, 1, 1], line: 0 }, seen: new Set() };
  let data: Float32Array | null = null; // allocated at the first data row, when the sizes are final
  let expectedRows = 0;
  let rows = 0;
  let lastLine = 0;

  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    const hash = line.indexOf('#');
    if (hash >= 0) line = line.slice(0, hash);
    line = line.trim(); // also drops the \r of CRLF and a byte-order mark
    if (line === '') continue;
    lastLine = i + 1;

    const first = line.charCodeAt(0);
    if (first >= 65 && first <= 90) {
      // Starts with A-Z: a keyword if the whole first word is one.
      const space = line.search(/\s/);
      const keyword = space < 0 ? line : line.slice(0, space);
      if (KEYWORD.test(keyword)) {
        if (data && KNOWN_KEYWORDS.has(keyword)) fail(file, lastLine, `${keyword} after the first data row`);
        readKeyword(h, keyword, space < 0 ? '' : line.slice(space).trim(), file, lastLine);
        continue;
      }
    }

    if (data === null) {
      if (h.size1 === 0 && h.size3 === 0) fail(file, lastLine, 'missing LUT_3D_SIZE or LUT_1D_SIZE');
      expectedRows = h.size1 + h.size3 ** 3;
      data = new Float32Array(expectedRows * 3);
    }
    if (rows === expectedRows) fail(file, lastLine, `too many rows: expected ${expectedRows}`);
    const values = line.split(/\s+/);
    if (values.length !== 3) fail(file, lastLine, `expected 3 numbers, got ${values.length}`);
    const o = rows * 3;
    data[o] = parseNumber(values[0]!, file, lastLine);
    data[o + 1] = parseNumber(values[1]!, file, lastLine);
    data[o + 2] = parseNumber(values[2]!, file, lastLine);
    rows++;
  }

  if (lastLine === 0) fail(file, 1, 'empty file');
  const { size1, size3 } = h;
  if (size1 === 0 && size3 === 0) fail(file, lastLine, 'missing LUT_3D_SIZE or LUT_1D_SIZE');
  const expected = size1 + size3 ** 3;
  if (data === null || rows < expected) fail(file, lastLine, `too few rows: expected ${expected}, got ${rows}`);

  const checked = (range: Range, what: string): Range => {
    for (let c = 0; c < 3; c++) {
      if (!(range.min[c]! < range.max[c]!)) fail(file, range.line || lastLine, `${what}: minimum must be below maximum`);
    }
    return range;
  };
  const lut: CubeLut = { source: file };
  if (h.title !== undefined) lut.title = h.title;
  if (size1 > 0) {
    const r = checked(h.range1 ?? h.domain, h.range1 ? 'LUT_1D_INPUT_RANGE' : 'DOMAIN_MIN/DOMAIN_MAX');
    lut.lut1d = { size: size1, domainMin: r.min, domainMax: r.max, table: data.subarray(0, size1 * 3) };
  }
  if (size3 > 0) {
    const r = checked(h.range3 ?? h.domain, h.range3 ? 'LUT_3D_INPUT_RANGE' : 'DOMAIN_MIN/DOMAIN_MAX');
    lut.lut3d = { size: size3, domainMin: r.min, domainMax: r.max, table: data.subarray(size1 * 3) };
  }
  return lut;
}

/** Reads and parses a .cube file; every failure is a one-line message naming the path. */
export async function readCube(path: string): Promise<CubeLut> {
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a file');
    if (info.size > MAX_CUBE_BYTES) throw new Error(`${info.size} bytes is over the 64 MiB limit for a .cube file`);
    text = await readFile(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new Error(`cannot read LUT ${path}: ${reason}`);
  }
  return parseCube(text, path);
}

const fixed = (v: number): string => v.toFixed(6);
const isUnit = (t: Table1D | Table3D): boolean =>
  t.domainMin.every((v) => v === 0) && t.domainMax.every((v) => v === 1);
const isUniform = (v: Vec3): boolean => v[0] === v[1] && v[1] === v[2];

/**
 * Formats a LUT as .cube text with 6 decimals. `comments` become leading "#" lines.
 * A single table writes its domain as DOMAIN_MIN/MAX; a shaper+3D pair uses Resolve's
 * per-table INPUT_RANGE keywords, which can only express the same range in every channel.
 */
export function formatCube(lut: Omit<CubeLut, 'source'>, comments: readonly string[] = []): string {
  const out: string[] = comments.map((c) => `# ${c}`);
  if (lut.title !== undefined) out.push(`TITLE "${lut.title.replace(/"/g, "'")}"`);
  const tables = [lut.lut1d, lut.lut3d].filter((t) => t !== undefined);
  if (tables.length === 0) throw new Error('formatCube: the LUT has no table');
  if (lut.lut1d) out.push(`LUT_1D_SIZE ${lut.lut1d.size}`);
  if (lut.lut3d) out.push(`LUT_3D_SIZE ${lut.lut3d.size}`);
  if (tables.length === 1) {
    const t = tables[0]!;
    if (!isUnit(t)) {
      out.push(`DOMAIN_MIN ${t.domainMin.map(fixed).join(' ')}`, `DOMAIN_MAX ${t.domainMax.map(fixed).join(' ')}`);
    }
  } else {
    for (const [keyword, t] of [['LUT_1D_INPUT_RANGE', lut.lut1d!], ['LUT_3D_INPUT_RANGE', lut.lut3d!]] as const) {
      if (isUnit(t)) continue;
      if (!isUniform(t.domainMin) || !isUniform(t.domainMax)) {
        throw new Error(`formatCube: ${keyword} cannot hold a different range per channel`);
      }
      out.push(`${keyword} ${fixed(t.domainMin[0])} ${fixed(t.domainMax[0])}`);
    }
  }
  for (const t of tables) {
    const v = t.table;
    for (let i = 0; i < v.length; i += 3) out.push(`${fixed(v[i]!)} ${fixed(v[i + 1]!)} ${fixed(v[i + 2]!)}`);
  }
  return out.join('\n') + '\n';
}
