"""Video re-encoding through ffmpeg, many patches per call.

Patches are laid out as a mosaic (tiles on 16-pixel macroblock boundaries) and encoded as a
short clip whose frames pan each tile's content, so the last frame carries inter-frame
(P/B) artefacts as real clips do. One ffmpeg call degrades a whole group of patches.
"""
import subprocess

import numpy as np

FFMPEG = 'ffmpeg'
FRAMES = 5   # clip length: the last frame is the one kept
PAN = 2      # max pan speed in LR pixels per frame
MARGIN = PAN * (FRAMES - 1)  # region border needed for the pan (LR pixels)


def _run(args: list[str], data: bytes) -> bytes:
    p = subprocess.run([FFMPEG, '-v', 'error', '-nostdin', *args], input=data, capture_output=True)
    if p.returncode != 0:
        raise RuntimeError('ffmpeg failed: ' + p.stderr.decode(errors='replace')[-500:])
    return p.stdout


def encode_clip(frames: np.ndarray, codec: str, crf: int, scale_down: int = 1) -> np.ndarray:
    """frames: uint8 [T,H,W,3] RGB. Optionally bicubic-downscales (ffmpeg's scaler, as the product
    and the evaluation do), then encodes with libx264/libx265 yuv420p at crf and decodes.
    codec 'none' only downscales. Returns the decoded frames [T,H/s,W/s,3]."""
    t, h, w, _ = frames.shape
    oh, ow = h // scale_down, w // scale_down
    vf = ['-vf', f'scale={ow}:{oh}:flags=bicubic'] if scale_down != 1 else []
    raw_in = ['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', f'{w}x{h}', '-r', '25', '-i', '-']
    if codec == 'none':
        out = _run([*raw_in, *vf, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], frames.tobytes())
    else:
        enc = {'h264': ['-c:v', 'libx264', '-preset', 'fast'],
               'h265': ['-c:v', 'libx265', '-preset', 'fast', '-x265-params', 'log-level=none']}[codec]
        stream = _run([*raw_in, *vf, *enc, '-crf', str(crf), '-pix_fmt', 'yuv420p', '-f', 'matroska', '-'],
                      frames.tobytes())
        out = _run(['-f', 'matroska', '-i', '-', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], stream)
    return np.frombuffer(out, np.uint8).reshape(-1, oh, ow, 3)[:t]


def pan_offsets(rng: np.random.Generator) -> list[tuple[int, int]]:
    """Per-frame (y, x) offsets of a window into a region with MARGIN on each side; the last
    frame sits at the centre (MARGIN, MARGIN)."""
    vy, vx = rng.integers(-PAN, PAN + 1, size=2)
    return [(MARGIN + (t - FRAMES + 1) * vy, MARGIN + (t - FRAMES + 1) * vx) for t in range(FRAMES)]


def mosaic_clip(regions: list[np.ndarray], patch: int, unit: int, codec: str, crf: int,
                scale_down: int, rng: np.random.Generator) -> list[np.ndarray]:
    """regions: uint8 [R,R,3] each, R = (patch + 2*MARGIN) * unit, unit = scale_down (input in HR)
    or 1 (input already at LR). Returns each region's centre patch (patch*unit/scale_down)
    after the codec, from the clip's last frame."""
    n = len(regions)
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    tile = patch * unit
    offsets = [pan_offsets(rng) for _ in regions]
    frames = np.zeros((FRAMES, rows * tile, cols * tile, 3), np.uint8)
    for i, reg in enumerate(regions):
        r, c = divmod(i, cols)
        for t, (oy, ox) in enumerate(offsets[i]):
            frames[t, r * tile:(r + 1) * tile, c * tile:(c + 1) * tile] = \
                reg[oy * unit:oy * unit + tile, ox * unit:ox * unit + tile]
    last = encode_clip(frames, codec, crf, scale_down)[-1]
    out_tile = tile // scale_down
    return [last[(i // cols) * out_tile:(i // cols + 1) * out_tile, (i % cols) * out_tile:(i % cols + 1) * out_tile]
            for i in range(n)]
