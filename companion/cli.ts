// The `refinery` command line: process, luts, doctor. Every failure is one line on stderr
// and a non-zero exit.
import { Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { DeflickerStepSchema, FaceStepSchema, MODEL_ID, type StepSpec, UpscaleStepSchema } from '../src/protocol/recipe.js';
import { runCompanion } from './companion.js';
import { doctor, formatDoctor } from './doctor.js';
import { listLuts } from './luts/library.js';
import { fetchModel } from './models/fetch.js';
import { addModel, listModels, TASKS, type Task } from './models/registry.js';
import { installPanel } from './panel/install.js';
import { CODECS } from './media/codecs.js';
import { CancelledError, type Progress, processClip } from './pipeline/process.js';
import { stateDir } from './state.js';
import { VERSION } from './version.js';

function number(flag: string, min: number, max = Infinity, integer = false) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      const what = integer ? 'a whole number' : 'a number';
      throw new InvalidArgumentError(`${flag} must be ${what}${max < Infinity ? ` from ${min} to ${max}` : ` >= ${min}`}, got "${value}"`);
    }
    return n;
  };
}

interface ProcessFlags {
  output: string;
  in?: number;
  out?: number;
  handles: number;
  clean: 'off' | 'light' | 'medium' | 'strong';
  deflicker?: boolean;
  face?: boolean;
  faceModel?: string;
  faceStrength?: number;
  upscale?: 2 | 4;
  model?: string;
  lut?: string;
  lutStrength: number;
  lutInterpolation: 'tetrahedral' | 'trilinear';
  codec?: string;
  json?: boolean;
  stateDir?: string;
}

function stepsFromFlags(flags: ProcessFlags): StepSpec[] {
  const steps: StepSpec[] = [];
  if (flags.clean !== 'off') steps.push({ op: 'clean', strength: flags.clean });
  if (flags.deflicker) steps.push(DeflickerStepSchema.parse({ op: 'deflicker' }));
  if ((flags.faceModel !== undefined || flags.faceStrength !== undefined) && !flags.face) throw new Error('--face-model and --face-strength need --face');
  if (flags.face) steps.push(FaceStepSchema.parse({ op: 'face', model: flags.faceModel, strength: flags.faceStrength }));
  if (flags.model !== undefined && flags.upscale === undefined) throw new Error('--model chooses the upscale model: add --upscale 2 or --upscale 4');
  if (flags.upscale !== undefined) steps.push(UpscaleStepSchema.parse({ op: 'upscale', scale: flags.upscale, model: flags.model }));
  if (flags.lut) steps.push({ op: 'lut', path: flags.lut, strength: flags.lutStrength, interpolation: flags.lutInterpolation });
  return steps;
}

function progressLine(p: Progress): string {
  const eta = Number.isFinite(p.etaS) ? `${Math.ceil(p.etaS)}s` : '--';
  return `\rframe ${p.frame}/${p.total}  ${p.fps.toFixed(1)} fps  ETA ${eta}   `;
}

async function runProcess(input: string, flags: ProcessFlags): Promise<void> {
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const tty = process.stderr.isTTY && !flags.json;
  let lastDraw = 0;
  try {
    const result = await processClip({
      input,
      output: flags.output,
      range: { inS: flags.in, outS: flags.out, handles: flags.handles },
      steps: stepsFromFlags(flags),
      codec: flags.codec,
      stateDir: stateDir(flags.stateDir),
      signal: controller.signal,
      onProgress: (p) => {
        const now = Date.now();
        if (tty && (now - lastDraw > 200 || p.frame === p.total)) {
          lastDraw = now;
          process.stderr.write(progressLine(p));
        }
      },
    });
    if (tty) process.stderr.write('\n');
    for (const warning of result.warnings) process.stderr.write(`refinery: warning: ${warning}\n`);
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      process.stdout.write(
        `${result.output}: ${result.frames} frames ${result.width}x${result.height} @ ${result.fps}, ${result.codec}, TC ${result.timecode}, ${result.seconds}s\n`,
      );
    }
  } catch (error) {
    if (tty) process.stderr.write('\n');
    if (error instanceof CancelledError) {
      process.stderr.write('refinery: cancelled; no output written\n');
      process.exitCode = 130;
      return;
    }
    throw error;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

function oneLine(error: unknown): string {
  if (error instanceof z.ZodError) {
    return error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ');
  }
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.replace(/^error: /, '');
}

export function buildProgram(): Command {
  const program = new Command('refinery')
    .description('Refine AI-generated clips: clean, deflicker, restore faces, upscale and grade.')
    .version(VERSION)
    .showHelpAfterError(false)
    .configureOutput({ outputError: (text, write) => write(`refinery: ${oneLine(text.trim())}\n`) });

  program
    .command('process')
    .description('refine one clip into a new file')
    .argument('<input>', 'source clip (never modified)')
    .requiredOption('-o, --output <file>', 'output file (.mov, .mp4, .mxf, .mkv)')
    .option('--in <seconds>', 'start of the source range', number('--in', 0))
    .option('--out <seconds>', 'end of the source range (exclusive)', number('--out', 0))
    .option('--handles <frames>', 'extra frames on each side, clamped to the clip', number('--handles', 0, 100_000, true), 0)
    .option('--clean <strength>', 'compression-artefact and noise removal: off, light, medium or strong', (v) => {
      if (!['off', 'light', 'medium', 'strong'].includes(v)) throw new InvalidArgumentError(`--clean must be off, light, medium or strong, got "${v}"`);
      return v;
    }, 'off')
    .option('--deflicker', 'temporal luminance flicker removal, global and regional')
    .option('--face', 'face restoration (a face model such as GFPGAN when installed, else the upscale network)')
    .option('--face-model <id>', 'the face model (from "refinery models list"; default: the installed one)')
    .option('--face-strength <0..1>', 'blend between the original (0) and the restored face (1)', number('--face-strength', 0, 1))
    .option('--upscale <2|4>', 'neural upscaling by exactly 2 or 4', (v) => {
      if (v !== '2' && v !== '4') throw new InvalidArgumentError(`--upscale must be 2 or 4, got "${v}"`);
      return Number(v);
    })
    .option('--model <id>', 'the upscale model (from "refinery models list"; default: the best built-in one)', (v) => {
      if (!MODEL_ID.test(v)) throw new InvalidArgumentError(`--model must be a model id from "refinery models list", got "${v}"`);
      return v;
    })
    .option('--lut <file-or-preset>', 'grade with a .cube file or a preset from "refinery luts list"')
    .option('--lut-strength <0..1>', 'blend between the source (0) and the full LUT (1)', number('--lut-strength', 0, 1), 1)
    .option('--lut-interpolation <method>', 'tetrahedral or trilinear', (v) => {
      if (v !== 'tetrahedral' && v !== 'trilinear') throw new InvalidArgumentError(`--lut-interpolation must be tetrahedral or trilinear, got "${v}"`);
      return v;
    }, 'tetrahedral')
    .option('--codec <codec>', `${CODECS.join(' | ')} (default: from the extension; prores for .mov)`)
    .option('--json', 'print one JSON result line on stdout')
    .option('--state-dir <dir>', 'state folder (default: REFINERY_HOME or the per-user folder)')
    .action(runProcess);

  program
    .command('companion')
    .description('run the local companion the panel talks to (WebSocket JSON-RPC on 127.0.0.1)')
    .option('--port <n>', 'port to listen on (0 picks a free one)', number('--port', 0, 65535, true), 0)
    .option('--state-dir <dir>', 'state folder (default: REFINERY_HOME or the per-user folder)')
    .option('--concurrency <n>', 'jobs rendered at once', number('--concurrency', 1, 16, true), 1)
    .option('--resume', 're-queue jobs that a crash interrupted')
    .action(async (flags: { port: number; stateDir?: string; concurrency: number; resume?: boolean }) => {
      const log = (line: string) => process.stderr.write(`refinery companion: ${line}\n`);
      const dir = stateDir(flags.stateDir);
      const started = await runCompanion({ port: flags.port, stateDir: dir, concurrency: flags.concurrency, resume: !!flags.resume, log });
      const { port, pid } = started.info;
      if (started.alreadyRunning) {
        process.stdout.write(`refinery companion already running on 127.0.0.1:${port} (pid ${pid}, state ${dir})\n`);
        return;
      }
      process.stdout.write(`refinery companion listening on 127.0.0.1:${port} (pid ${pid}, state ${dir})\n`);
      // A daemon left running for weeks logs a stray rejection instead of dying of it.
      process.on('unhandledRejection', (reason) => log(`unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}`));
      const shutdown = (signal: string) => {
        log(`${signal}: stopping`);
        // The promise is kept short; this is the backstop that keeps the 2-second promise.
        setTimeout(() => process.exit(0), 1900).unref();
        void started.stop!().then(() => process.exit(0));
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    });

  program
    .command('install-panel')
    .description('install the built CEP panel for this user (and allow unsigned extensions)')
    .option('--dir <folder>', 'CEP extensions folder (default: the per-user one on macOS and Windows)')
    .action(async (flags: { dir?: string }) => {
      const result = await installPanel(flags.dir);
      process.stdout.write(`${result.lines.join('\n')}\n`);
    });

  const luts = program.command('luts').description('LUT presets and user LUTs');
  luts
    .command('list')
    .description('list presets and the LUTs in the user LUT folder')
    .option('--json', 'print JSON')
    .option('--state-dir <dir>', 'state folder')
    .action(async (flags: { json?: boolean; stateDir?: string }) => {
      const entries = await listLuts(stateDir(flags.stateDir));
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(entries)}\n`);
        return;
      }
      const width = Math.max(...entries.map((e) => e.name.length));
      for (const e of entries) {
        process.stdout.write(`${e.name.padEnd(width)}  ${e.category.padEnd(10)} ${String(e.size).padStart(3)}  ${e.description}\n    ${e.file}\n`);
      }
    });

  const models = program.command('models').description('neural network weights: list, add a local .onnx, fetch from a catalogue');
  models
    .command('list')
    .description('list built-in models and the ones in the state folder')
    .option('--json', 'print JSON')
    .option('--state-dir <dir>', 'state folder')
    .action(async (flags: { json?: boolean; stateDir?: string }) => {
      const entries = await listModels(stateDir(flags.stateDir));
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(entries)}\n`);
        return;
      }
      if (entries.length === 0) {
        process.stdout.write('no models installed: refinery models add <file.onnx> --task <task>, or refinery models fetch gfpgan-1.4\n');
        return;
      }
      const width = Math.max(...entries.map((e) => e.id.length));
      for (const e of entries) {
        const size = `${(e.size / 1024 ** 2).toFixed(1)} MB`;
        process.stdout.write(
          `${e.id.padEnd(width)}  ${e.task.padEnd(10)} x${e.scale}  ${size.padStart(9)}  ${e.licence ?? 'licence unknown'}  on ${e.provider}${e.installed ? '' : '  FILE MISSING'}${e.converted === false ? '  converted on first use' : ''}\n    ${e.path} (from ${e.source})\n`,
        );
      }
    });
  models
    .command('add')
    .description('check a local .onnx model in onnxruntime and copy it into the state folder')
    .argument('<file>', 'the .onnx model')
    .requiredOption('--task <task>', TASKS.join(', '), (v) => {
      if (!(TASKS as readonly string[]).includes(v)) throw new InvalidArgumentError(`--task must be one of ${TASKS.join(', ')}, got "${v}"`);
      return v;
    })
    .option('--id <id>', 'id to list it under (default: from the file name)')
    .option('--licence <text>', 'the licence of the weights, for the record')
    .option('--json', 'print JSON')
    .option('--state-dir <dir>', 'state folder')
    .action(async (file: string, flags: { task: Task; id?: string; licence?: string; json?: boolean; stateDir?: string }) => {
      const entry = await addModel(stateDir(flags.stateDir), file, { task: flags.task, id: flags.id, licence: flags.licence });
      process.stdout.write(flags.json ? `${JSON.stringify(entry)}\n` : `added ${entry.id} (${entry.task}, sha256 ${entry.sha256})\n`);
    });
  models
    .command('fetch')
    .description('download a model listed in a catalogue, verify its sha256 and install it')
    .argument('<id>', 'the model id in the catalogue')
    .option('--catalog <file-or-url>', 'the catalogue (default: REFINERY_MODEL_CATALOG, else the built-in one, which lists gfpgan-1.4)')
    .option('--json', 'print JSON')
    .option('--state-dir <dir>', 'state folder')
    .action(async (id: string, flags: { catalog?: string; json?: boolean; stateDir?: string }) => {
      const tty = process.stderr.isTTY && !flags.json;
      let lastDraw = 0;
      const { entry, alreadyInstalled } = await fetchModel(stateDir(flags.stateDir), id, {
        catalog: flags.catalog,
        onProgress: ({ received, total }) => {
          const now = Date.now();
          if (tty && (now - lastDraw > 200 || received === total)) {
            lastDraw = now;
            process.stderr.write(`\r${id}: ${(received / 1024 ** 2).toFixed(1)} of ${(total / 1024 ** 2).toFixed(1)} MB   `);
          }
        },
      }).finally(() => tty && lastDraw > 0 && process.stderr.write('\n'));
      process.stdout.write(flags.json ? `${JSON.stringify({ ...entry, alreadyInstalled })}\n` : `${alreadyInstalled ? 'already installed' : 'installed'} ${entry.id} (${entry.task}, sha256 ${entry.sha256})\n`);
    });

  program
    .command('doctor')
    .description('show the ffmpeg/ffprobe found, their encoders and the state folder')
    .option('--json', 'print JSON')
    .option('--state-dir <dir>', 'state folder')
    .action((flags: { json?: boolean; stateDir?: string }) => {
      const report = doctor(stateDir(flags.stateDir));
      process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : `${formatDoctor(report)}\n`);
      if (!report.ok) process.exitCode = 1;
    });

  return program;
}

try {
  await buildProgram().exitOverride().parseAsync(process.argv);
} catch (error) {
  const code = (error as { code?: string }).code;
  // Commander has already printed help, the version, or its own error line.
  if (code?.startsWith('commander.')) {
    process.exitCode = code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help' ? 0 : 1;
  } else {
    process.stderr.write(`refinery: ${oneLine(error)}\n`);
    process.exitCode = 1;
  }
}
