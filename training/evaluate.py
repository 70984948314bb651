"""Measures a trained model on the held-out photographs against ffmpeg's lanczos (and bicubic)
and ffmpeg's denoisers, with the degradations the targets name:

  x2/x4  compressed  photo (1024x576) -> ffmpeg bicubic /s -> H.264 crf 30, 32, 35 (one frame)
         clean       photo -> ffmpeg bicubic /s
  clean  pans        an 8-frame 1024x576 pan over the photo -> H.264 crf 38, 40, 42; compared
                     with the damaged input and with hqdn3d, nlmeans and spp (qp=6) on the same frames

`python3 training/evaluate.py --model x2` writes training/results/<id>.json (metrics, targets
met) for the model card; models/<id>.md is written by card.py from it.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
from PIL import Image

import data
import metrics
import nets

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, 'results')
W, H = 1024, 576
PAN_FRAMES = 8
CRFS = {'x2': [30, 32, 35], 'x2-fidelity': [30, 32, 35], 'x4': [30, 32, 35], 'clean': [38, 40, 42]}
# Decoded frames carry no quantiser table (ffmpeg 5.1 exports none), and spp without one copies
# its input; like the quality harness (bench/quality.ts) it gets qp=6, its best there.
DENOISERS = {'hqdn3d': 'hqdn3d', 'nlmeans': 'nlmeans', 'spp qp6': 'spp=quality=3:qp=6'}


def ffmpeg(args: list[str], frames: np.ndarray, out_w: int, out_h: int) -> np.ndarray:
    t, h, w, _ = frames.shape
    p = subprocess.run(['ffmpeg', '-v', 'error', '-nostdin', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', f'{w}x{h}',
                        '-r', '25', '-i', '-', *args], input=frames.tobytes(), capture_output=True)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.decode(errors='replace')[-400:])
    return np.frombuffer(p.stdout, np.uint8).reshape(-1, out_h, out_w, 3)


RAW_OUT = ['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']


def h264(frames: np.ndarray, crf: int, scale: int = 1) -> np.ndarray:
    """ffmpeg bicubic downscale (optional) + libx264 crf (yuv420p) + decode, like a delivered clip."""
    t, h, w, _ = frames.shape
    vf = ['-vf', f'scale={w // scale}:{h // scale}:flags=bicubic'] if scale > 1 else []
    if crf < 0:
        return ffmpeg(vf + RAW_OUT, frames, w // scale, h // scale)
    enc = subprocess.run(['ffmpeg', '-v', 'error', '-nostdin', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', f'{w}x{h}',
                          '-r', '25', '-i', '-', *vf, '-c:v', 'libx264', '-preset', 'medium', '-crf', str(crf),
                          '-pix_fmt', 'yuv420p', '-f', 'matroska', '-'], input=frames.tobytes(), capture_output=True, check=True)
    dec = subprocess.run(['ffmpeg', '-v', 'error', '-nostdin', '-f', 'matroska', '-i', '-', *RAW_OUT],
                         input=enc.stdout, capture_output=True, check=True)
    return np.frombuffer(dec.stdout, np.uint8).reshape(-1, h // scale, w // scale, 3)


def upscale_ffmpeg(frames: np.ndarray, scale: int, flags: str) -> np.ndarray:
    t, h, w, _ = frames.shape
    return ffmpeg(['-vf', f'scale={w * scale}:{h * scale}:flags={flags}', *RAW_OUT], frames, w * scale, h * scale)


def run_net(net: torch.nn.Module, frames: np.ndarray) -> np.ndarray:
    outs = []
    with torch.no_grad():
        for f in frames:
            x = torch.from_numpy(f.copy()).permute(2, 0, 1)[None].float() / 255
            y = net(x)[0].clamp(0, 1).permute(1, 2, 0).numpy()
            outs.append((y * 255 + 0.5).astype(np.uint8))
    return np.stack(outs)


def photo(path: str) -> np.ndarray:
    """The held-out photo as a 1024x576 frame: centre 16:9 crop, lanczos-resized."""
    im = Image.open(path).convert('RGB')
    w, h = im.size
    ch = min(h, w * 9 // 16)
    cw = ch * 16 // 9
    im = im.crop(((w - cw) // 2, (h - ch) // 2, (w - cw) // 2 + cw, (h - ch) // 2 + ch))
    return np.asarray(im.resize((W, H), Image.LANCZOS))


def pan(path: str) -> np.ndarray:
    """PAN_FRAMES frames of a slow diagonal pan (3 px, 2 px per frame) over the photo at 1.1x."""
    big = Image.fromarray(photo(path)).resize((int(W * 1.1), int(H * 1.1)), Image.LANCZOS)
    a = np.asarray(big)
    return np.stack([a[2 * t:2 * t + H, 3 * t:3 * t + W] for t in range(PAN_FRAMES)])


def mean_metrics(test: np.ndarray, ref: np.ndarray) -> dict:
    ms = [metrics.all_metrics(t, r) for t, r in zip(test, ref)]
    return {k: float(np.mean([m[k] for m in ms])) for k in ms[0]}


def average(rows: list[dict]) -> dict:
    return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}


def evaluate_upscale(net, scale: int, paths: list[str], crfs: list[int]) -> dict:
    cases = {'compressed': crfs, 'clean': [-1]}
    out = {}
    for case, crf_list in cases.items():
        per = {'model': [], 'lanczos': [], 'bicubic': []}
        for path in paths:
            hr = photo(path)[None]
            for crf in crf_list:
                lr = h264(hr, crf, scale)
                per['model'].append(mean_metrics(run_net(net, lr), hr))
                per['lanczos'].append(mean_metrics(upscale_ffmpeg(lr, scale, 'lanczos'), hr))
                per['bicubic'].append(mean_metrics(upscale_ffmpeg(lr, scale, 'bicubic'), hr))
        out[case] = {k: average(v) for k, v in per.items()}
    return out


def evaluate_clean(net, paths: list[str], crfs: list[int]) -> dict:
    per = {'model': [], 'input': [], **{k: [] for k in DENOISERS}}
    for path in paths:
        ref = pan(path)
        for crf in crfs:
            damaged = h264(ref, crf)
            per['input'].append(mean_metrics(damaged, ref))
            per['model'].append(mean_metrics(run_net(net, damaged), ref))
            for name, vf in DENOISERS.items():
                per[name].append(mean_metrics(ffmpeg(['-vf', vf, *RAW_OUT], damaged, W, H), ref))
    return {'pans': {k: average(v) for k, v in per.items()}}


def targets(kind: str, r: dict) -> dict:
    """The issue's targets, each true or false (SSIM higher and GMSD lower are better)."""
    if kind == 'clean':
        p = r['pans']
        best_filter = max(p[k]['psnr'] for k in DENOISERS)
        return {'psnr >= input + 0.5 dB': p['model']['psnr'] >= p['input']['psnr'] + 0.5,
                'psnr above every ffmpeg filter': p['model']['psnr'] > best_filter,
                'ssim up': p['model']['ssim'] > p['input']['ssim']}
    c, k = r['compressed'], r['clean']
    if kind == 'x4':
        return {'compressed: psnr >= lanczos + 0.5 dB': c['model']['psnr'] >= c['lanczos']['psnr'] + 0.5}
    if kind == 'x2-fidelity':
        return {'clean: psnr >= lanczos + 0.5 dB': k['model']['psnr'] >= k['lanczos']['psnr'] + 0.5}
    return {'compressed: psnr >= lanczos + 1.0 dB': c['model']['psnr'] >= c['lanczos']['psnr'] + 1.0,
            'compressed: ssim above lanczos': c['model']['ssim'] > c['lanczos']['ssim'],
            'compressed: gmsd below lanczos': c['model']['gmsd'] < c['lanczos']['gmsd'],
            'clean: psnr not below lanczos': k['model']['psnr'] >= k['lanczos']['psnr']}


def load_net(kind: str, ckpt: str) -> tuple[torch.nn.Module, dict]:
    ck = torch.load(ckpt)
    net = nets.build(ck['model'])
    net.load_state_dict(ck['net'])
    return net.eval(), ck


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--model', required=True, choices=sorted(nets.ARCHS))
    ap.add_argument('--ckpt', help='default: <--out>/<model>.pt')
    ap.add_argument('--out', default=os.path.expanduser('~/.cache/refinery-training'))
    ap.add_argument('--id', help='model id (default refinery-<model>)')
    ap.add_argument('--threads', type=int, default=1)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    model_id = a.id or f'refinery-{a.model}'
    net, ck = load_net(a.model, a.ckpt or os.path.join(a.out, f'{a.model}.pt'))
    paths = data.split_paths('holdout')
    t0 = time.time()
    scale = nets.ARCHS[a.model][0]
    r = evaluate_clean(net, paths, CRFS['clean']) if scale == 1 else evaluate_upscale(net, scale, paths, CRFS[a.model])
    result = {'id': model_id, 'model': a.model, 'steps': ck['step'], 'train_minutes': round(ck['elapsed'] / 60, 1),
              'holdout_images': [os.path.relpath(p, '/usr/share') for p in paths], 'crf': CRFS[a.model],
              'frame': f'{W}x{H}', 'pan_frames': PAN_FRAMES, 'results': r, 'targets': targets(a.model, r)}
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, f'{model_id}.json'), 'w') as f:
        json.dump(result, f, indent=1)
        f.write('\n')
    for case, rows in r.items():
        for name, m in rows.items():
            print(f"{model_id} {case:10s} {name:8s} PSNR {m['psnr']:.2f}  SSIM {m['ssim']:.4f}  GMSD {m['gmsd']:.4f}")
    for t, ok in result['targets'].items():
        print(f"{'PASS' if ok else 'FAIL'} {t}")
    print(f'({time.time() - t0:.0f} s)', file=sys.stderr)


if __name__ == '__main__':
    main()
