// Finds the ffmpeg and ffprobe binaries and what they can do.
// Order: REFINERY_FFMPEG / REFINERY_FFPROBE, then a binary shipped inside an npm package
// (@ffmpeg-installer/ffmpeg, @ffprobe-installer/ffprobe), then PATH; but a build older than
// ffmpeg 5 (libavcodec 59) is passed over while a newer one is found, since the 2018 build
// that npm ships for Linux writes ProRes frames without their colour tags. ffprobe is taken
// from where ffmpeg was found.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { stateDir } from '../state.js';

export type ToolName = 'ffmpeg' | 'ffprobe';

export interface ResolvedTool {
  path: string;
  source: 'env' | 'npm' | 'path';
  version: string;
  libavcodec: number;
}

const MODERN_LIBAVCODEC = 59;

/** The encoders Refinery's codec presets need; `doctor` reports each one. */
export const REQUIRED_ENCODERS = ['prores_ks', 'prores_aw', 'dnxhd', 'libx264', 'ffv1', 'aac', 'pcm_s24le'] as const;

const ENV: Record<ToolName, string> = { ffmpeg: 'REFINERY_FFMPEG', ffprobe: 'REFINERY_FFPROBE' };
const NPM_PACKAGE: Record<ToolName, string> = {
  ffmpeg: '@ffmpeg-installer/ffmpeg',
  ffprobe: '@ffprobe-installer/ffprobe',
};

const require = createRequire(import.meta.url);
const cache = new Map<ToolName, ResolvedTool>();

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function fromNpm(tool: ToolName): string | undefined {
  try {
    const mod = require(NPM_PACKAGE[tool]) as { path?: string };
    return mod.path && isExecutable(mod.path) ? mod.path : undefined;
  } catch {
    return undefined; // the package (or its platform binary) is not installed
  }
}

function fromPath(tool: ToolName): string | undefined {
  const exe = process.platform === 'win32' ? `${tool}.exe` : tool;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, exe);
    if (existsSync(candidate) && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

interface Description {
  /** The binary's size and mtime when it was described. */
  key: string;
  version: string;
  libavcodec: number;
}

/** Descriptions kept in the state folder's file, read once per process. */
let kept: { file: string; tools: Record<string, Description> } | undefined;

/**
 * What `-version` says of a binary. It is kept in the state folder by path, size and mtime,
 * because each `-version` is an ffmpeg start (0.12-0.15 s with Debian's 215 shared
 * libraries) and a command looks at ffmpeg and ffprobe in two places each: 0.29 s of a
 * 1.25 s job on a two-frame clip. An updated binary has another size or mtime and is
 * described afresh; a folder that cannot be written only costs the time.
 */
export function describeTool(path: string, source: ResolvedTool['source']): ResolvedTool {
  const file = join(stateDir(), 'cache', 'tools.json');
  if (kept?.file !== file) {
    let tools: Record<string, Description> = {};
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) tools = parsed as Record<string, Description>;
    } catch {
      // None yet, or unreadable: described afresh.
    }
    kept = { file, tools };
  }
  const { tools } = kept;
  const info = statSync(path);
  const key = `${info.size}:${info.mtimeMs}`;
  const hit = tools[path];
  if (hit?.key === key && typeof hit.version === 'string' && typeof hit.libavcodec === 'number') {
    return { path, source, version: hit.version, libavcodec: hit.libavcodec };
  }
  const out = execFileSync(path, ['-version'], { encoding: 'utf8', timeout: 15_000 });
  const version = /version\s+(\S+)/.exec(out)?.[1] ?? 'unknown';
  const libavcodec = Number(/libavcodec\s+(\d+)\./.exec(out)?.[1] ?? 0);
  tools[path] = { key, version, libavcodec };
  // Renamed into place, so that a command starting beside this one never reads half of it.
  const temp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(temp, JSON.stringify(tools));
    renameSync(temp, file);
  } catch {
    // Kept for this process only; a cleanup that fails must not fail the command.
    void rm(temp, { force: true }).catch(() => undefined);
  }
  return { path, source, version, libavcodec };
}

/** Where ffmpeg was found, if it was. */
function partnerSource(): ResolvedTool['source'] | undefined {
  try {
    return resolveTool('ffmpeg').source;
  } catch {
    return undefined;
  }
}

/** Resolves a tool once per process; throws a one-line error naming how to fix it. */
export function resolveTool(tool: ToolName): ResolvedTool {
  const cached = cache.get(tool);
  if (cached) return cached;
  const fromEnv = process.env[ENV[tool]];
  let resolved: ResolvedTool | undefined;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`${ENV[tool]}=${fromEnv} is not an executable file`);
    resolved = describeTool(fromEnv, 'env');
  } else {
    const candidates: ResolvedTool[] = [];
    const npm = fromNpm(tool);
    if (npm) candidates.push(describeTool(npm, 'npm'));
    const onPath = fromPath(tool);
    if (onPath && onPath !== npm) candidates.push(describeTool(onPath, 'path'));
    // ffprobe comes from where ffmpeg does, if it is there too: a probe must describe a file
    // as the decoder will read it (npm's 2023 static ffprobe, picked beside Debian's ffmpeg
    // 5.1, crashed on every MPEG-TS file).
    const partner = tool === 'ffprobe' ? partnerSource() : undefined;
    resolved =
      candidates.find((c) => c.source === partner) ?? candidates.find((c) => c.libavcodec >= MODERN_LIBAVCODEC) ?? candidates[0];
  }
  if (!resolved) {
    throw new Error(
      `${tool} not found: set ${ENV[tool]}, install ${NPM_PACKAGE[tool]}, or put ${tool} on PATH (e.g. apt-get install ffmpeg)`,
    );
  }
  cache.set(tool, resolved);
  return resolved;
}

/** Lists the encoder names a given ffmpeg binary has. */
export function encodersOf(ffmpegPath: string): Set<string> {
  const out = execFileSync(ffmpegPath, ['-hide_banner', '-encoders'], { encoding: 'utf8', timeout: 15_000 });
  const names = new Set<string>();
  for (const line of out.split('\n')) {
    const match = /^\s[VAS][F.][S.][X.][B.][D.]\s+(\S+)/.exec(line);
    if (match) names.add(match[1]!);
  }
  return names;
}
