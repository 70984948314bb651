// What `-version` says of a binary is kept in the state folder, and asked again only when the
// binary changes. The binary here is a real executable: a shell script that counts its runs.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeTool } from './ffmpeg.js';

describe.skipIf(process.platform === 'win32')('tool descriptions', () => {
  let dir: string;
  let home: string | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'refinery-tools-'));
    home = process.env.REFINERY_HOME;
    process.env.REFINERY_HOME = join(dir, 'state');
  });
  afterEach(() => {
    if (home === undefined) delete process.env.REFINERY_HOME;
    else process.env.REFINERY_HOME = home;
    rmSync(dir, { recursive: true, force: true });
  });

  const fakeFfmpeg = (version: string) => {
    const path = join(dir, 'ffmpeg');
    writeFileSync(path, `#!/bin/sh\necho run >> "${join(dir, 'runs')}"\necho "ffmpeg version ${version} Copyright (c) 2000-2026"\necho "libavcodec     61.  3.100 / 61.  3.100"\n`);
    chmodSync(path, 0o755);
    return path;
  };
  const runs = () => readFileSync(join(dir, 'runs'), 'utf8').split('\n').filter(Boolean).length;

  it('runs a binary once, and again only once it has changed', () => {
    const path = fakeFfmpeg('7.1-test');
    expect(describeTool(path, 'path')).toEqual({ path, source: 'path', version: '7.1-test', libavcodec: 61 });
    expect(describeTool(path, 'env')).toEqual({ path, source: 'env', version: '7.1-test', libavcodec: 61 });
    expect(runs()).toBe(1);
    // Another state folder describes it again; back in the first, what was kept on disk serves.
    process.env.REFINERY_HOME = join(dir, 'other');
    describeTool(path, 'path');
    process.env.REFINERY_HOME = join(dir, 'state');
    expect(describeTool(path, 'path').version).toBe('7.1-test');
    expect(runs()).toBe(2);

    fakeFfmpeg('7.2-test');
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    expect(describeTool(path, 'path').version).toBe('7.2-test');
    expect(runs()).toBe(3);
  });

  it('still describes a binary where the state folder cannot be written', () => {
    const path = fakeFfmpeg('7.1-test');
    // A file where the folder would go.
    writeFileSync(join(dir, 'state'), '');
    expect(describeTool(path, 'path').version).toBe('7.1-test');
    expect(describeTool(path, 'path').version).toBe('7.1-test');
    expect(runs()).toBe(1);
  });

  it('describes afresh when the kept file is damaged', () => {
    const path = fakeFfmpeg('7.1-test');
    const file = join(dir, 'state', 'cache', 'tools.json');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '{"torn');
    expect(describeTool(path, 'path').version).toBe('7.1-test');
    expect(JSON.parse(readFileSync(file, 'utf8'))[path].version).toBe('7.1-test');
  });
});
