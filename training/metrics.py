"""PSNR, SSIM and GMSD on uint8 RGB images [H,W,3], as bench/quality-metrics.ts measures them.

PSNR: over all RGB samples (ffmpeg's psnr). SSIM: ffmpeg's ssim algorithm (4x4 block sums,
8x8 windows every 4 pixels) on BT.709 luma. GMSD: Xue et al. 2014 (Prewitt gradients on luma
after 2x2 average downsampling, c = 170 for 8-bit); lower is better.
"""
import math

import numpy as np


def luma(rgb: np.ndarray) -> np.ndarray:
    x = rgb.astype(np.float64)
    return 0.2126 * x[..., 0] + 0.7152 * x[..., 1] + 0.0722 * x[..., 2]


def psnr(test: np.ndarray, ref: np.ndarray) -> float:
    mse = np.mean((test.astype(np.float64) - ref.astype(np.float64)) ** 2) / 255 ** 2
    return math.inf if mse == 0 else 10 * math.log10(1 / mse)


def ssim(test: np.ndarray, ref: np.ndarray, peak: float = 255) -> float:
    a, b = luma(test), luma(ref)
    h, w = a.shape[0] >> 2, a.shape[1] >> 2
    a, b = a[:h * 4, :w * 4], b[:h * 4, :w * 4]
    blk = lambda x: x.reshape(h, 4, w, 4).sum((1, 3))
    s1, s2, ss, s12 = blk(a), blk(b), blk(a * a + b * b), blk(a * b)
    win = lambda x: x[:-1, :-1] + x[:-1, 1:] + x[1:, :-1] + x[1:, 1:]
    s1, s2, ss, s12 = win(s1), win(s2), win(ss), win(s12)
    c1 = 0.01 ** 2 * peak ** 2 * 64
    c2 = 0.03 ** 2 * peak ** 2 * 64 * 63
    var = ss * 64 - s1 * s1 - s2 * s2
    cov = s12 * 64 - s1 * s2
    return float(np.mean((2 * s1 * s2 + c1) * (2 * cov + c2) / ((s1 * s1 + s2 * s2 + c1) * (var + c2))))


def _grad(y: np.ndarray) -> np.ndarray:
    p = np.pad(y, 1, mode='edge')
    gx = (p[:-2, 2:] + p[1:-1, 2:] + p[2:, 2:] - p[:-2, :-2] - p[1:-1, :-2] - p[2:, :-2]) / 3
    gy = (p[2:, :-2] + p[2:, 1:-1] + p[2:, 2:] - p[:-2, :-2] - p[:-2, 1:-1] - p[:-2, 2:]) / 3
    return np.sqrt(gx * gx + gy * gy)


def gmsd(test: np.ndarray, ref: np.ndarray) -> float:
    def down(y):
        h, w = y.shape[0] // 2 * 2, y.shape[1] // 2 * 2
        return y[:h, :w].reshape(h // 2, 2, w // 2, 2).mean((1, 3))
    g1, g2 = _grad(down(luma(test))), _grad(down(luma(ref)))
    c = 170.0
    gms = (2 * g1 * g2 + c) / (g1 * g1 + g2 * g2 + c)
    return float(np.std(gms))


def all_metrics(test: np.ndarray, ref: np.ndarray) -> dict:
    return {'psnr': psnr(test, ref), 'ssim': ssim(test, ref), 'gmsd': gmsd(test, ref)}
