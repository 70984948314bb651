// Frames per second of each built-in model in onnxruntime-node on this machine, the way the
// engine runs them (createSession + runTiled with default tiles) and as one whole-frame call.
// Run after `npm run build`: node training/speed.mjs [--frames N]. Writes training/results/speed.json.
import { availableParallelism, cpus, loadavg } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readBuiltIns, taskScale } from '../dist/companion/models/registry.js';
import { createSession, onnxruntime, sessionRunner } from '../dist/companion/models/runtime.js';
import { runTiled } from '../dist/companion/models/tiling.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const frames = Number(process.argv[process.argv.indexOf('--frames') + 1]) || 3;
// Input sizes per task: 960x540 -> 1080p for x2 and clean, 480x270 -> 1080p for x4.
const SIZES = { 'upscale-x2': [960, 540], 'upscale-x4': [480, 270], clean: [960, 540] };

async function fps(fn) {
  await fn(); // warm-up: first run allocates
  const t0 = performance.now();
  for (let i = 0; i < frames; i++) await fn();
  return (frames * 1000) / (performance.now() - t0);
}

const rows = [];
for (const m of readBuiltIns(`${root}models`)) {
  const [w, h] = SIZES[m.task];
  const s = await createSession(m.path, { provider: 'cpu' });
  const data = new Float32Array(3 * w * h).map((_, i) => ((i * 7919) % 1000) / 1000);
  const run = sessionRunner(s);
  const whole = await fps(() => s.session.run({ input: new (onnxruntime().Tensor)('float32', data, [1, 3, h, w]) }));
  const tiled = await fps(() => runTiled({ data, channels: 3, height: h, width: w }, run, { scale: taskScale(m.task) }));
  rows.push({ id: m.id, input: `${w}x${h}`, wholeFrameFps: +whole.toFixed(2), tiledFps: +tiled.toFixed(2) });
  console.log(`${m.id} ${w}x${h}: ${whole.toFixed(2)} frames/s whole frame, ${tiled.toFixed(2)} tiled`);
}
const result = { cpu: cpus()[0]?.model, threads: availableParallelism(), loadAverageAtEnd: loadavg()[0], frames, models: rows };
mkdirSync(`${root}training/results`, { recursive: true });
writeFileSync(`${root}training/results/speed.json`, JSON.stringify(result, null, 1) + '\n');
