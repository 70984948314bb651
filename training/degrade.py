"""Second-order degradations after Real-ESRGAN (Wang et al. 2021), on float tensors [3,H,W] in [0,1].

Each op draws its own strength from a numpy Generator, so a seeded run is reproducible. The
final compression step (JPEG or H.264/H.265) lives in pool.py, where patches are batched
into ffmpeg calls.
"""
import io
import math

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image


def gaussian_kernel(rng: np.random.Generator, sigma_range: tuple[float, float]) -> torch.Tensor:
    """Isotropic (60 %) or anisotropic, rotated Gaussian, size fitted to sigma (odd, 3..21)."""
    sx = rng.uniform(*sigma_range)
    if rng.random() < 0.6:
        sy, theta = sx, 0.0
    else:
        sy, theta = rng.uniform(*sigma_range), rng.uniform(0, math.pi)
    k = int(min(21, max(3, 2 * math.ceil(3 * max(sx, sy)) + 1)))
    r = torch.arange(k, dtype=torch.float32) - k // 2
    y, x = torch.meshgrid(r, r, indexing='ij')
    c, s = math.cos(theta), math.sin(theta)
    xr, yr = c * x + s * y, -s * x + c * y
    w = torch.exp(-0.5 * ((xr / sx) ** 2 + (yr / sy) ** 2))
    return w / w.sum()


def blur(img: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    k = kernel.shape[-1]
    pad = min(k // 2, img.shape[-1] - 1, img.shape[-2] - 1)
    x = F.pad(img[None], (pad,) * 4, mode='reflect')
    if pad < k // 2:  # tiny images (CI smoke): fall back to replicate for the rest
        x = F.pad(x, (k // 2 - pad,) * 4, mode='replicate')
    return F.conv2d(x, kernel[None, None].repeat(3, 1, 1, 1), groups=3)[0]


def resize(img: torch.Tensor, size: tuple[int, int], mode: str) -> torch.Tensor:
    kw = {} if mode == 'area' else {'align_corners': False, 'antialias': size[0] < img.shape[-2]}
    return F.interpolate(img[None], size=size, mode=mode, **kw)[0]


def random_mode(rng: np.random.Generator) -> str:
    return ['area', 'bilinear', 'bicubic'][rng.integers(3)]


def noise(img: torch.Tensor, rng: np.random.Generator, gauss_max: float, poisson_max: float) -> torch.Tensor:
    """Gaussian (sigma in 8-bit levels) or Poisson (shot) noise, colour or grey (40 %)."""
    gen = torch.Generator().manual_seed(int(rng.integers(2**31)))
    grey = rng.random() < 0.4
    shape = (1, *img.shape[1:]) if grey else img.shape
    if rng.random() < 0.5:
        n = torch.randn(shape, generator=gen) * rng.uniform(1, gauss_max) / 255
    else:
        base = img.mean(0, keepdim=True) if grey else img
        n = (torch.poisson(base.clamp(0, 1) * 255, generator=gen) / 255 - base) * rng.uniform(0.05, poisson_max)
    return img + n


def jpeg(img: torch.Tensor, quality: int) -> torch.Tensor:
    arr = (img.clamp(0, 1).permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format='JPEG', quality=int(quality))
    out = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert('RGB'))
    return torch.from_numpy(out.copy()).permute(2, 0, 1).float() / 255


def second_order(hr: torch.Tensor, out_size: int, rng: np.random.Generator, scale: int) -> torch.Tensor:
    """HR region [3,R,R] -> degraded region [3,out_size,out_size], before the final compression.
    Strengths are milder than Real-ESRGAN's: AI clips are soft and compressed, rarely very noisy."""
    x = hr
    size = hr.shape[-1]
    # First order
    if rng.random() < 0.8:
        x = blur(x, gaussian_kernel(rng, (0.2, 2.0 if scale > 1 else 1.2)))
    u = rng.random()
    f = rng.uniform(1, 1.5) if u < 0.2 else (rng.uniform(0.5 if scale > 1 else 0.7, 1) if u < 0.8 else 1.0)
    if f != 1.0:
        size = max(8, int(round(size * f)))
        x = resize(x, (size, size), random_mode(rng))
    if rng.random() < 0.5:
        x = noise(x, rng, 12, 1.2)
    if rng.random() < 0.4:
        x = jpeg(x, rng.integers(30, 96))
    # Second order (not always: single-order degradations stay in the mix)
    if rng.random() < 0.5:
        if rng.random() < 0.6:
            x = blur(x, gaussian_kernel(rng, (0.2, 1.2)))
        f = rng.uniform(0.6, 1.2)
        size = max(8, int(round(size * f)))
        x = resize(x, (size, size), random_mode(rng))
        if rng.random() < 0.4:
            x = noise(x, rng, 8, 0.8)
    x = resize(x, (out_size, out_size), random_mode(rng))
    return x.clamp(0, 1)


def colour_jitter(img: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    """Small brightness/contrast/saturation change, applied to the clean target too (augmentation)."""
    b, c, s = rng.uniform(-0.03, 0.03), rng.uniform(0.95, 1.05), rng.uniform(0.93, 1.07)
    grey = img.mean(0, keepdim=True)
    x = grey + (img - grey) * s
    m = x.mean()
    return ((x - m) * c + m + b).clamp(0, 1)
