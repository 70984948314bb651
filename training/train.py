"""Trains one model on CPU: `python3 training/train.py --model x2|x4|clean`.

Deterministic for a given --seed; checkpoints every --ckpt-every steps to --out (resume with
--resume); prints one progress line per --log-every steps (L1 loss, PSNR of the output and of
the plain interpolated input on the same batch, steps/s, ETA). Pairs come from a pool that is
partly regenerated every --refresh steps, so the net keeps seeing new degradations.
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

import data
import nets
import pool

DEFAULT_STEPS = {'x2': 2200, 'x4': 1400, 'clean': 2400, 'x2-fidelity': 3000}


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    mse = F.mse_loss(a.clamp(0, 1), b).item()
    return 10 * math.log10(1 / max(mse, 1e-10))


def baseline(lr: torch.Tensor, scale: int) -> torch.Tensor:
    return lr if scale == 1 else F.interpolate(lr, scale_factor=scale, mode='bicubic', align_corners=False)


def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--model', required=True, choices=sorted(nets.ARCHS))
    ap.add_argument('--steps', type=int)
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--pool', type=int, default=1024, help='pairs kept in memory')
    ap.add_argument('--refresh', type=int, default=100, help='steps between partial pool refreshes')
    ap.add_argument('--refresh-size', type=int, default=128)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--out', default=os.path.expanduser('~/.cache/refinery-training'))
    ap.add_argument('--images', nargs='*', help='train on these files instead of the manifest (CI smoke)')
    ap.add_argument('--resume', action='store_true')
    ap.add_argument('--log-every', type=int, default=25)
    ap.add_argument('--ckpt-every', type=int, default=100)
    return ap.parse_args(argv)


def main(argv=None):
    a = parse(argv)
    steps = a.steps or DEFAULT_STEPS[a.model]
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    ckpt_path = os.path.join(a.out, f'{a.model}.pt')
    paths = a.images or data.split_paths('train')
    images = [data.load_rgb(p) for p in paths]
    scale = nets.ARCHS[a.model][0]

    net = nets.build(a.model)
    opt = torch.optim.Adam(net.parameters(), lr=a.lr)
    # Short warm-up (the zero-initialised tail must not jump), then cosine decay to 1 % of the rate.
    warm = max(1, min(100, steps // 10))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1, (s + 1) / warm) * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps))))
    step, elapsed = 0, 0.0
    if a.resume and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path)
        net.load_state_dict(ck['net']); opt.load_state_dict(ck['opt']); sched.load_state_dict(ck['sched'])
        step, elapsed = ck['step'], ck['elapsed']
        torch.set_rng_state(ck['torch_rng'])
        print(f'resumed {a.model} at step {step}', file=sys.stderr)

    # The pool is a function of (seed, step), so a resumed run sees the same pairs.
    rng = np.random.default_rng([a.seed, step])
    lr_pool, hr_pool = pool.make_pairs(a.model, images, a.pool if not a.images else a.batch * 4, rng)
    t0 = time.time() - elapsed
    window = []
    while step < steps:
        if step % a.refresh == 0 and step > 0 and not a.images:
            new_lr, new_hr = pool.make_pairs(a.model, images, a.refresh_size, rng)
            at = rng.choice(len(lr_pool), a.refresh_size, replace=False)
            lr_pool[at], hr_pool[at] = new_lr, new_hr
        idx = torch.randint(len(lr_pool), (a.batch,))
        lr, hr = lr_pool[idx], hr_pool[idx]
        out = net(lr)
        loss = F.l1_loss(out, hr)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        step += 1
        window.append((loss.item(), psnr(out.detach(), hr), psnr(baseline(lr, scale), hr)))
        if step % a.log_every == 0 or step == steps:
            l, p, b = np.mean(window, axis=0)
            window = []
            el = time.time() - t0
            rate = step / max(el, 1e-6)
            print(f'{a.model} step {step}/{steps} loss {l:.4f} psnr {p:.2f} (bicubic {b:.2f}, +{p - b:.2f}) '
                  f'lr {sched.get_last_lr()[0]:.2e} {rate:.2f} step/s elapsed {el / 60:.1f} min eta {(steps - step) / rate / 60:.1f} min',
                  flush=True)
        if step % a.ckpt_every == 0 or step == steps:
            tmp = ckpt_path + '.tmp'
            torch.save({'net': net.state_dict(), 'opt': opt.state_dict(), 'sched': sched.state_dict(), 'step': step,
                        'elapsed': time.time() - t0, 'torch_rng': torch.get_rng_state(), 'model': a.model,
                        'steps': steps, 'batch': a.batch, 'seed': a.seed, 'images': len(images),
                        'date': time.strftime('%Y-%m-%d', time.gmtime())}, tmp)
            os.replace(tmp, ckpt_path)
    print(f'{a.model}: done, {step} steps in {(time.time() - t0) / 60:.1f} min -> {ckpt_path}', file=sys.stderr)


if __name__ == '__main__':
    main()
