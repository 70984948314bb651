"""Writes models/<id>.md (the model card) from what the other steps recorded, and sets the
model's `default` in models/builtin.json: true only when every target in its evaluation passed.

Inputs: the checkpoint (steps, time, seed), training/results/<id>.json (evaluate.py),
training/results/speed.json (speed.mjs), training/data/manifest.json, models/builtin.json.
`python3 training/card.py --model x2`
"""
import argparse
import json
import os
from collections import Counter

import torch

import data
import nets
import pool
from train import DEFAULT_STEPS

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODELS = os.path.join(ROOT, 'models')
RESULTS = os.path.join(HERE, 'results')

DEGRADATIONS = {
    'upscale': """- **simple** ({simple:.0%} of pairs): ffmpeg `scale=flags=bicubic` by {scale}, then libx264 (yuv420p) at crf {crf0}–{crf1}, as AI clips arrive.
- **plain** ({plain:.0%}): ffmpeg bicubic downscale only.
- **full** ({full:.0%}): second-order degradations after Real-ESRGAN, random strengths: Gaussian blur
  (isotropic or anisotropic, sigma 0.2–2), random resize (area/bilinear/bicubic, x0.5–1.5), Gaussian
  (sigma 1–12 levels) or Poisson noise (colour or grey), JPEG q30–95; then with p = 0.5 a second
  round (blur, resize x0.6–1.2, noise); then resize to the low resolution and JPEG q30–95 (35 %)
  or H.264/H.265 at crf 23–42.""",
    'fidelity': """- **plain** (all pairs): ffmpeg `scale=flags=bicubic` by {scale}, nothing else: for clean sources.""",
    'clean': """- **simple** ({simple:.0%} of pairs): libx264 (yuv420p) at crf {crf0}–{crf1}.
- **full** ({full:.0%}): the same second-order degradations as the upscalers without the final
  downscale (blur sigma 0.2–1.2, resizes down to x0.7 and back, noise, JPEG), then JPEG q30–95
  (35 %) or H.264/H.265 at crf 23–42.""",
}
COMMON = """Video codecs run through ffmpeg on mosaics of 16 patches (macroblock-aligned) as 5-frame clips
in which each patch pans by up to 2 px per frame; the last (inter-coded) frame is kept. Each
tile carries 16 pixels of its patch's own surroundings that are cut off afterwards, so no patch
edge is predicted or deblocked from an unrelated neighbour (cards written before 2026-11-24
describe models trained without that margin). Every
patch is a random square of a training photo at a random zoom (0.3–1 of its pixels), flipped
and rotated, with a small colour jitter (brightness ±3 %, contrast ±5 %, saturation ±7 %) on
both sides of the pair."""


def fmt(m: dict) -> str:
    return f"{m['psnr']:.2f} | {m['ssim']:.4f} | {m['gmsd']:.4f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--model', required=True, choices=sorted(nets.ARCHS))
    ap.add_argument('--id')
    ap.add_argument('--note', default='', help='how this run differed from the plain command (appended to Training)')
    ap.add_argument('--ckpt-dir', default=os.path.expanduser('~/.cache/refinery-training'))
    a = ap.parse_args(argv)
    model_id = a.id or f'refinery-{a.model}'
    ck = torch.load(os.path.join(a.ckpt_dir, f'{a.model}.pt'))
    net = nets.build(a.model)
    scale, ch, blocks = nets.ARCHS[a.model]
    with open(os.path.join(RESULTS, f'{model_id}.json')) as f:
        ev = json.load(f)
    speed_path = os.path.join(RESULTS, 'speed.json')
    speed = json.load(open(speed_path)) if os.path.exists(speed_path) else {'models': []}
    sp = next((s for s in speed['models'] if s['id'] == model_id), None)
    with open(os.path.join(MODELS, 'builtin.json')) as f:
        manifest = json.load(f)
    entry = next(m for m in manifest['models'] if m['id'] == model_id)
    man = data.load_manifest()
    train = [im for im in man['images'] if im['split'] == 'train']
    hold = [im for im in man['images'] if im['split'] == 'holdout']
    licences = Counter(im['licence'] for im in man['images'])
    r = pool.RECIPES[a.model]
    passed = all(ev['targets'].values())

    lines = [f'# {model_id}', '',
             f"Refinery's own {'x' + str(scale) + ' upscaler' if scale > 1 else '1x clean-up (compression artefacts, noise)'} "
             f"for video on CPU (task `{entry['task']}`, built-in{', the default' if passed else ', not the default: it misses a target'}).",
             '', '## Files', '',
             f"- `models/{entry['file']}`: {entry['size']:,} bytes, sha256 `{entry['sha256']}`",
             '- ONNX opset 13; input `input` float32 [N,3,H,W] RGB 0..1 (as decoded from video), output `output` '
             f'[N,3,{scale}H,{scale}W] RGB (may overshoot slightly; the engine clamps). Fully convolutional, any size.',
             '- Licence of the weights: MIT, like Refinery. They are trained on the photographs below (licences listed there).',
             '', '## Architecture', '',
             f'3x3 conv 3→{ch}, ReLU, {blocks} residual blocks (3x3 conv, ReLU, 3x3 conv; {ch} channels), '
             + (f'3x3 conv → {3 * scale * scale} channels plus a learnable linear 3x3 skip from the input '
                f'(initialised to bilinear), PixelShuffle x{scale}.' if scale > 1 else
                '3x3 conv → 3 channels added to the input (global residual).'),
             f'{nets.param_count(net):,} parameters, {nets.macs_per_pixel(net):,} multiply-adds per input pixel.',
             '', '## Data', '',
             f"{len(man['images'])} photographs from Debian packages "
             + ', '.join(f"`{p}` ({sum(im['package'] == p for im in man['images'])})" for p in sorted({im['package'] for im in man['images']}))
             + '; licences: ' + ', '.join(f'{k} ({v})' for k, v in licences.items())
             + '. Per-image package, path, sha256, copyright and licence: `training/data/manifest.json`. '
             f'{len(train)} for training, {len(hold)} held out (split by sha256) for evaluation only: '
             + ', '.join(f"`{os.path.relpath(im['path'], '/usr/share')}`" for im in hold) + '.',
             '', '## Degradations (made on the fly)', '',
             DEGRADATIONS['fidelity' if r.p_plain == 1 else 'upscale' if scale > 1 else 'clean'].format(
                 simple=r.p_simple, plain=r.p_plain, full=1 - r.p_simple - r.p_plain, scale=scale,
                 crf0=r.simple_crf[0], crf1=r.simple_crf[1]),
             '', COMMON if r.p_plain < 1 else 'Each patch is a random square of a training photo at a random zoom (0.3–1 of its pixels), flipped and rotated.',
             '', '## Training', '',
             f"`/usr/bin/python3 training/train.py --model {a.model}{'' if ck['steps'] == DEFAULT_STEPS[a.model] else ' --steps ' + str(ck['steps'])}`: {ck['step']:,} steps of batch {ck['batch']} "
             f"({r.patch}x{r.patch} input patches), Adam 2e-3 with warm-up and cosine decay, L1 loss, seed {ck['seed']}, "
             f"{ck['elapsed'] / 60:.0f} min of training steps (pair generation not counted) on one thread of a 2-core CPU shared with "
             f"other work (Debian PyTorch {torch.__version__.split('a')[0]}). {a.note}".rstrip(),
             '', '## Results on the held-out photographs', '',
             f"`python3 training/evaluate.py --model {a.model}`, frames {ev['frame']}, metrics as `npm run quality` computes "
             'them: PSNR over RGB, SSIM (ffmpeg\'s) on BT.709 luma, GMSD on luma (lower is better).', '']
    if scale > 1:
        lines += [f"Compressed: ffmpeg bicubic /{scale}, then libx264 crf {', '.join(map(str, ev['crf']))} (one frame each); "
                  'clean: ffmpeg bicubic only.', '',
                  '| case | method | PSNR dB | SSIM | GMSD |', '| --- | --- | --- | --- | --- |']
        for case in ('compressed', 'clean'):
            for name in ('model', 'lanczos', 'bicubic'):
                lines.append(f"| {case} | {model_id if name == 'model' else 'ffmpeg ' + name} | {fmt(ev['results'][case][name])} |")
        gain = ev['results']['compressed']['model']['psnr'] - ev['results']['compressed']['lanczos']['psnr']
        gain_c = ev['results']['clean']['model']['psnr'] - ev['results']['clean']['lanczos']['psnr']
        lines += ['', f'PSNR over lanczos: {gain:+.2f} dB compressed, {gain_c:+.2f} dB clean.']
    else:
        p = ev['results']['pans']
        lines += [f"Diagonal pans of {ev['pan_frames']} frames over each photo, libx264 crf {', '.join(map(str, ev['crf']))}; "
                  'ffmpeg filters with default settings on the same decoded frames, spp with qp=6 and quality=3 as the '
                  'decoded frames carry no quantiser table (bm3d not run: too slow here).', '',
                  '| method | PSNR dB | SSIM | GMSD |', '| --- | --- | --- | --- |']
        for name in p:
            lines.append(f"| {model_id if name == 'model' else ('damaged input' if name == 'input' else 'ffmpeg ' + name)} | {fmt(p[name])} |")
        lines += ['', f"PSNR gain over the damaged input: {p['model']['psnr'] - p['input']['psnr']:+.2f} dB."]
    lines += ['', 'Targets (issue #9):', ''] + [f"- {'met' if ok else '**missed**'}: {t}" for t, ok in ev['targets'].items()]
    lines += ['', '## Speed', '']
    if sp:
        lines.append(f"`node training/speed.mjs` (onnxruntime-node, CPU, {speed['threads']} threads, {speed['cpu']}, shared with "
                     f"other work: load average {speed['loadAverageAtEnd']:.1f}): {sp['input']} input, "
                     f"{sp['wholeFrameFps']} frames/s as one call, {sp['tiledFps']} frames/s through the engine's tiling.")
    else:
        lines.append('Not measured yet: `npm run build && node training/speed.mjs`.')
    with open(os.path.join(MODELS, f'{model_id}.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    entry['default'] = passed
    with open(os.path.join(MODELS, 'builtin.json'), 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')
    print(f"models/{model_id}.md written; default: {passed}")


if __name__ == '__main__':
    main()
