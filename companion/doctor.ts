// What this machine offers Refinery: which ffmpeg/ffprobe, their encoders, the state folder.
import { CODEC_PRESETS, CODECS } from './media/codecs.js';
import { REQUIRED_ENCODERS, encodersOf, resolveTool, type ResolvedTool, type ToolName } from './media/ffmpeg.js';
import { inferenceInfo, type InferenceInfo } from './models/runtime.js';
import { VERSION } from './version.js';

export interface DoctorReport {
  version: string;
  node: string;
  platform: string;
  stateDir: string;
  tools: Record<ToolName, ResolvedTool | { error: string }>;
  encoders: Record<string, boolean>;
  codecs: Record<string, { label: string; encoder: string; available: boolean }>;
  /** ONNX Runtime: the execution provider neural steps run on. */
  inference: InferenceInfo;
  ok: boolean;
}

function tryResolve(tool: ToolName): ResolvedTool | { error: string } {
  try {
    return resolveTool(tool);
  } catch (error) {
    return { error: (error as Error).message };
  }
}

export function doctor(stateDir: string): DoctorReport {
  const tools = { ffmpeg: tryResolve('ffmpeg'), ffprobe: tryResolve('ffprobe') };
  const found = 'path' in tools.ffmpeg ? encodersOf(tools.ffmpeg.path) : new Set<string>();
  const encoders = Object.fromEntries(REQUIRED_ENCODERS.map((e) => [e, found.has(e)]));
  const codecs = Object.fromEntries(
    CODECS.map((c) => [c, { label: CODEC_PRESETS[c].label, encoder: CODEC_PRESETS[c].encoder, available: found.has(CODEC_PRESETS[c].encoder) }]),
  );
  return {
    version: VERSION,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    stateDir,
    tools,
    encoders,
    codecs,
    inference: inferenceInfo(),
    ok: 'path' in tools.ffmpeg && 'path' in tools.ffprobe && Object.values(codecs).every((c) => c.available),
  };
}

export function formatDoctor(report: DoctorReport): string {
  const lines = [`refinery ${report.version} on node ${report.node} (${report.platform})`, `state folder: ${report.stateDir}`];
  for (const [name, tool] of Object.entries(report.tools)) {
    lines.push('path' in tool ? `${name}: ${tool.path} (${tool.version}, from ${tool.source})` : `${name}: MISSING - ${tool.error}`);
  }
  lines.push(`encoders: ${Object.entries(report.encoders).map(([e, ok]) => `${e} ${ok ? 'yes' : 'NO'}`).join(', ')}`);
  for (const [codec, c] of Object.entries(report.codecs)) {
    lines.push(`  --codec ${codec.padEnd(7)} ${c.label} via ${c.encoder}: ${c.available ? 'ok' : 'NOT AVAILABLE'}`);
  }
  const inf = report.inference;
  lines.push(
    inf.error
      ? `inference: NOT AVAILABLE - ${inf.error}`
      : `inference: onnxruntime ${inf.version} on ${inf.provider} (${inf.threads} threads; working here: ${inf.available.join(', ')})`,
  );
  lines.push(report.ok ? 'ready' : 'not ready: see the lines above');
  return lines.join('\n');
}
