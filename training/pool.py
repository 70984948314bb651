"""Makes (degraded, clean) patch pairs on the fly from the training photographs.

Three kinds of sample, per model:
  simple  ffmpeg bicubic downscale, then H.264 (how AI clips arrive, and the evaluation case)
  plain   ffmpeg bicubic downscale only (upscalers must not lose on clean input)
  full    second-order degradations (degrade.py), then JPEG, H.264 or H.265
"""
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

import codec
import degrade


@dataclass(frozen=True)
class Recipe:
    scale: int
    patch: int                  # LR patch side (multiple of 16: macroblocks)
    p_simple: float
    p_plain: float
    simple_crf: tuple[int, int]  # inclusive
    full_crf: tuple[int, int] = (23, 42)


RECIPES = {
    'x2': Recipe(2, 64, 0.55, 0.2, (26, 40)),
    'x4': Recipe(4, 48, 0.55, 0.2, (26, 40)),
    'clean': Recipe(1, 64, 0.45, 0.0, (30, 44)),
    'x2-fidelity': Recipe(2, 64, 0.0, 1.0, (26, 40)),
}
GROUP = 16  # patches per ffmpeg call


def _to_u8(t: torch.Tensor) -> np.ndarray:
    return (t.clamp(0, 1).permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)


def _to_t(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.array(a)).permute(2, 0, 1).float() / 255


def hr_region(img: np.ndarray, side: int, rng: np.random.Generator) -> np.ndarray:
    """A random square of the photo, resampled (antialiased) to side x side at a random zoom
    (0.3..1 of the original pixels: video-like detail per pixel), flipped/rotated at random."""
    h, w, _ = img.shape
    zoom = rng.uniform(0.3, 1.0)
    src = int(min(h, w, max(side, round(side / zoom))))
    y, x = rng.integers(0, h - src + 1), rng.integers(0, w - src + 1)
    crop = img[y:y + src, x:x + src]
    if src != side:
        crop = np.asarray(Image.fromarray(crop).resize((side, side), Image.LANCZOS))
    crop = np.rot90(crop, rng.integers(4))
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return np.ascontiguousarray(crop)


def make_pairs(kind: str, images: list[np.ndarray], n: int, rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """n pairs: LR [n,3,P,P] and HR [n,3,P*s,P*s], float in [0,1]."""
    r = RECIPES[kind]
    s, p, m = r.scale, r.patch, codec.BORDER
    side_hr = (p + 2 * m) * s
    lr = [None] * n
    hr = [None] * n
    simple, plain, video = [], [], []
    for i in range(n):
        reg = _to_u8(degrade.colour_jitter(_to_t(hr_region(images[rng.integers(len(images))], side_hr, rng)), rng))
        hr[i] = reg[m * s:(m + p) * s, m * s:(m + p) * s]
        u = rng.random()
        if u < r.p_simple:
            simple.append((i, reg))
        elif u < r.p_simple + r.p_plain:
            plain.append((i, reg))
        else:
            low = degrade.second_order(_to_t(reg), p + 2 * m, rng, s)
            if rng.random() < 0.35:
                lr[i] = _to_u8(degrade.jpeg(low, rng.integers(30, 96)))[m:m + p, m:m + p]
            else:
                video.append((i, _to_u8(low)))
    for items, unit, down, pick in ((simple, s, s, lambda: ('h264', rng.integers(r.simple_crf[0], r.simple_crf[1] + 1))),
                                    (plain, s, s, lambda: ('none', 0)),
                                    (video, 1, 1, lambda: ('h265' if rng.random() < 0.3 else 'h264',
                                                           rng.integers(r.full_crf[0], r.full_crf[1] + 1)))):
        for g in range(0, len(items), GROUP):
            chunk = items[g:g + GROUP]
            name, crf = pick()
            outs = codec.mosaic_clip([reg for _, reg in chunk], p, unit, name, int(crf), down, rng)
            for (i, _), out in zip(chunk, outs):
                lr[i] = out
    to = lambda arrs: torch.from_numpy(np.stack(arrs)).permute(0, 3, 1, 2).float() / 255
    return to(lr), to(hr)
