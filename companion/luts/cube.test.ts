import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CubeError, formatCube, parseCube, readCube } from './cube.js';

/** Rows of a size-n 3D identity, red fastest. */
function identityRows(n: number): string[] {
  const rows: string[] = [];
  for (let b = 0; b < n; b++)
    for (let g = 0; g < n; g++) for (let r = 0; r < n; r++) rows.push(`${r / (n - 1)} ${g / (n - 1)} ${b / (n - 1)}`);
  return rows;
}

function parseError(text: string): string {
  try {
    parseCube(text, 'look.cube');
  } catch (err) {
    expect(err).toBeInstanceOf(CubeError);
    return (err as Error).message;
  }
  throw new Error('expected a CubeError');
}

describe('parseCube', () => {
  it('reads a 3D LUT with title, comments, blank lines and trailing comments', () => {
    const text = [
      '# made by hand',
      'TITLE "My Look"',
      '',
      '  LUT_3D_SIZE 2  # two points',
      ...identityRows(2).map((r, i) => (i === 3 ? `  ${r}  # corner` : r)),
      '',
    ].join('\n');
    const lut = parseCube(text, 'look.cube');
    expect(lut.title).toBe('My Look');
    expect(lut.source).toBe('look.cube');
    expect(lut.lut1d).toBeUndefined();
    expect(lut.lut3d?.size).toBe(2);
    expect(lut.lut3d?.domainMin).toEqual([0, 0, 0]);
    expect(lut.lut3d?.domainMax).toEqual([1, 1, 1]);
    // Red changes fastest: the second row is (1, 0, 0).
    expect(Array.from(lut.lut3d!.table.slice(3, 6))).toEqual([1, 0, 0]);
    expect(lut.lut3d!.table.length).toBe(2 * 2 * 2 * 3);
  });

  it('accepts CRLF line endings and a byte-order mark', () => {
    const text = '\uFEFFTITLE "crlf"\r\nLUT_3D_SIZE 2\r\n' + identityRows(2).join('\r\n') + '\r\n';
    const lut = parseCube(text, 'look.cube');
    expect(lut.title).toBe('crlf');
    expect(lut.lut3d?.table[21]).toBe(1);
  });

  it('reads a 1D-only LUT', () => {
    const lut = parseCube('LUT_1D_SIZE 3\n0 0 0\n0.25 0.5 0.75\n1 1 1\n', 'curve.cube');
    expect(lut.lut3d).toBeUndefined();
    expect(lut.lut1d?.size).toBe(3);
    expect(Array.from(lut.lut1d!.table.slice(3, 6))).toEqual([0.25, 0.5, 0.75]);
  });

  it('applies DOMAIN_MIN/DOMAIN_MAX per channel', () => {
    const text = ['LUT_3D_SIZE 2', 'DOMAIN_MIN -0.5 0 0.1', 'DOMAIN_MAX 1.5 2 0.9', ...identityRows(2)].join('\n');
    const lut = parseCube(text, 'look.cube');
    expect(lut.lut3d?.domainMin).toEqual([-0.5, 0, 0.1]);
    expect(lut.lut3d?.domainMax).toEqual([1.5, 2, 0.9]);
  });

  it('reads a Resolve shaper + 3D file: 1D rows first, each table with its own input range', () => {
    const text = [
      'LUT_1D_SIZE 4',
      'LUT_1D_INPUT_RANGE -0.25 2',
      'LUT_3D_SIZE 2',
      'LUT_3D_INPUT_RANGE 0 0.5',
      'LUT_IN_VIDEO_RANGE',
      '0 0 0',
      '0.1 0.1 0.1',
      '0.2 0.2 0.2',
      '0.5 0.5 0.5',
      ...identityRows(2),
    ].join('\n');
    const lut = parseCube(text, 'shaper.cube');
    expect(lut.lut1d?.size).toBe(4);
    expect(lut.lut1d?.domainMin).toEqual([-0.25, -0.25, -0.25]);
    expect(lut.lut1d?.domainMax).toEqual([2, 2, 2]);
    expect(lut.lut1d!.table[11]).toBeCloseTo(0.5);
    expect(lut.lut3d?.size).toBe(2);
    expect(lut.lut3d?.domainMax).toEqual([0.5, 0.5, 0.5]);
    expect(Array.from(lut.lut3d!.table.slice(0, 6))).toEqual([0, 0, 0, 1, 0, 0]);
  });

  it('lets DOMAIN_MIN/MAX cover both tables of a shaper file unless an INPUT_RANGE overrides', () => {
    const header = ['LUT_1D_SIZE 2', 'LUT_3D_SIZE 2', 'DOMAIN_MAX 4 4 4', 'LUT_3D_INPUT_RANGE 0 1'];
    const text = [...header, '0 0 0', '1 1 1', ...identityRows(2)].join('\n');
    const lut = parseCube(text, 'look.cube');
    expect(lut.lut1d?.domainMax).toEqual([4, 4, 4]);
    expect(lut.lut3d?.domainMax).toEqual([1, 1, 1]);
  });

  describe('errors name the file and line', () => {
    it('reports a row with too few numbers', () => {
      expect(parseError('LUT_3D_SIZE 2\n0 0 0\n0 0\n')).toBe('look.cube:3: expected 3 numbers, got 2');
    });
    it('reports a word where a number belongs', () => {
      expect(parseError('LUT_3D_SIZE 2\n\n0 abc 0\n')).toBe("look.cube:3: 'abc' is not a number");
    });
    it('reports non-finite values', () => {
      expect(parseError('LUT_3D_SIZE 2\n0 1e999 0\n')).toBe("look.cube:2: '1e999' is not a finite number");
      expect(parseError('LUT_3D_SIZE 2\nnan 0 0\n')).toBe("look.cube:2: 'nan' is not a number");
    });
    it('reports data before any size keyword', () => {
      expect(parseError('TITLE "x"\n0 0 0\nLUT_3D_SIZE 2\n')).toBe('look.cube:2: missing LUT_3D_SIZE or LUT_1D_SIZE');
    });
    it('reports a file with no size at all', () => {
      expect(parseError('TITLE "x"\n# nothing\nLUT_IN_VIDEO_RANGE\n')).toBe('look.cube:3: missing LUT_3D_SIZE or LUT_1D_SIZE');
    });
    it('reports sizes out of range or not integers', () => {
      expect(parseError('LUT_3D_SIZE 200\n')).toBe('look.cube:1: LUT_3D_SIZE 200 out of range 2..129');
      expect(parseError('LUT_3D_SIZE 1\n')).toBe('look.cube:1: LUT_3D_SIZE 1 out of range 2..129');
      expect(parseError('LUT_1D_SIZE 65537\n')).toBe('look.cube:1: LUT_1D_SIZE 65537 out of range 2..65536');
      expect(parseError('LUT_3D_SIZE 17.5\n')).toBe("look.cube:1: LUT_3D_SIZE '17.5' is not an integer");
    });
    it('accepts the size limits themselves', () => {
      expect(parseCube(`LUT_1D_SIZE 65536\n${'0 0 0\n'.repeat(65536)}`, 'x').lut1d?.size).toBe(65536);
      expect(parseCube(`LUT_1D_SIZE 2\n0 0 0\n1 1 1\n`, 'x').lut1d?.size).toBe(2);
    });
    it('reports too few rows on the last line', () => {
      const text = ['# header', 'LUT_3D_SIZE 33', ...identityRows(2).slice(0, 5), ''].join('\n');
      expect(parseError(text)).toBe('look.cube:7: too few rows: expected 35937, got 5');
    });
    it('counts shaper rows in the expected total', () => {
      expect(parseError('LUT_1D_SIZE 2\nLUT_3D_SIZE 2\n0 0 0\n')).toBe('look.cube:3: too few rows: expected 10, got 1');
    });
    it('reports the first extra row', () => {
      const text = ['LUT_3D_SIZE 2', ...identityRows(2), '1 1 1', '1 1 1'].join('\n');
      expect(parseError(text)).toBe('look.cube:10: too many rows: expected 8');
    });
    it('reports DOMAIN_MIN not below DOMAIN_MAX', () => {
      const text = ['LUT_3D_SIZE 2', 'DOMAIN_MIN 0 0.5 0', 'DOMAIN_MAX 1 0.5 1', ...identityRows(2)].join('\n');
      expect(parseError(text)).toBe('look.cube:3: DOMAIN_MIN/DOMAIN_MAX: minimum must be below maximum');
      expect(parseError(['LUT_3D_SIZE 2', 'DOMAIN_MIN 2 2 2', ...identityRows(2)].join('\n'))).toBe(
        'look.cube:2: DOMAIN_MIN/DOMAIN_MAX: minimum must be below maximum',
      );
      expect(parseError(['LUT_1D_SIZE 2', 'LUT_1D_INPUT_RANGE 1 0', '0 0 0', '1 1 1'].join('\n'))).toBe(
        'look.cube:2: LUT_1D_INPUT_RANGE: minimum must be below maximum',
      );
    });
    it('reports malformed keyword arguments', () => {
      expect(parseError('DOMAIN_MIN 0 0\n')).toBe('look.cube:1: DOMAIN_MIN expects 3 values, got 2');
      expect(parseError('LUT_3D_INPUT_RANGE 0 x\n')).toBe("look.cube:1: 'x' is not a number");
    });
    it('reports duplicate keywords and keywords after the data', () => {
      expect(parseError('LUT_3D_SIZE 2\nLUT_3D_SIZE 3\n')).toBe('look.cube:2: duplicate LUT_3D_SIZE');
      expect(parseError('LUT_3D_SIZE 2\n0 0 0\nDOMAIN_MAX 2 2 2\n')).toBe('look.cube:3: DOMAIN_MAX after the first data row');
    });
    it('reports an empty file', () => {
      expect(parseError('')).toBe('look.cube:1: empty file');
      expect(parseError('\n  \r\n# only a comment\n')).toBe('look.cube:1: empty file');
    });
  });
});

describe('readCube', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'refinery-cube-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file and names it in parse errors', async () => {
    const good = join(dir, 'good.cube');
    await writeFile(good, ['LUT_3D_SIZE 2', ...identityRows(2)].join('\n'));
    expect((await readCube(good)).lut3d?.size).toBe(2);
    const bad = join(dir, 'bad.cube');
    await writeFile(bad, 'LUT_3D_SIZE 2\n0 0\n');
    await expect(readCube(bad)).rejects.toThrow(`${bad}:2: expected 3 numbers, got 2`);
  });

  it('gives a one-line error naming an unreadable path', async () => {
    const missing = join(dir, 'missing.cube');
    await expect(readCube(missing)).rejects.toThrow(`cannot read LUT ${missing}: ENOENT`);
    await expect(readCube(dir)).rejects.toThrow(`cannot read LUT ${dir}: not a file`);
  });

  it('rejects files over 64 MiB without reading them', async () => {
    const big = join(dir, 'big.cube');
    await writeFile(big, '');
    await truncate(big, 64 * 1024 * 1024 + 1); // sparse: nothing is really written
    await expect(readCube(big)).rejects.toThrow(/big\.cube: 67108865 bytes is over the 64 MiB limit/);
  });
});

describe('formatCube', () => {
  it('round-trips a shaper + 3D LUT with input ranges at 6 decimals', () => {
    const text = [
      'TITLE "round trip"',
      'LUT_1D_SIZE 2',
      'LUT_1D_INPUT_RANGE -0.5 1.5',
      'LUT_3D_SIZE 2',
      '0 0 0',
      '1 1 1',
      ...identityRows(2).map((r) => r.replace(/1/g, '0.1234567')),
    ].join('\n');
    const lut = parseCube(text, 'a.cube');
    const out = formatCube(lut, ['made in a test']);
    expect(out.split('\n').slice(0, 5)).toEqual([
      '# made in a test',
      'TITLE "round trip"',
      'LUT_1D_SIZE 2',
      'LUT_3D_SIZE 2',
      'LUT_1D_INPUT_RANGE -0.500000 1.500000',
    ]);
    expect(out).toContain('\n0.123457 0.000000 0.000000\n');
    const back = parseCube(out, 'b.cube');
    expect(back.lut1d?.domainMin).toEqual([-0.5, -0.5, -0.5]);
    expect(back.lut3d?.domainMax).toEqual([1, 1, 1]);
    expect(back.lut3d!.table[3]).toBeCloseTo(0.123457, 6);
  });

  it('writes a single table’s domain as DOMAIN_MIN/DOMAIN_MAX', () => {
    const lut = parseCube(['LUT_3D_SIZE 2', 'DOMAIN_MIN 0 0 -1', ...identityRows(2)].join('\n'), 'a.cube');
    const back = parseCube(formatCube(lut), 'b.cube');
    expect(back.lut3d?.domainMin).toEqual([0, 0, -1]);
  });
});
