"""Video re-encoding through ffmpeg, many patches per call.

Patches are laid out as a mosaic (tiles on 16-pixel macroblock boundaries) and encoded as a
short clip whose frames pan each tile's content, so the last frame carries inter-frame
(P/B) artefacts as real clips do. One ffmpeg call degrades a whole group of patches.

Each tile holds its patch plus GUARD pixels of the patch's own surroundings, and only the
patch is kept: at a tile's edge the encoder predicts from an unrelated neighbouring tile (intra
prediction, motion vectors, the deblocking filter across the seam, the strip the pan reveals),
damage that a real frame has only at its border. Without the guard the outer 4 pixels of a
64-pixel patch came out ~4 dB worse than its centre at crf 38-42.
"""
import subprocess

import numpy as np

FFMPEG = 'ffmpeg'
FRAMES = 5   # clip length: the last frame is the one kept
PAN = 2      # max pan speed in LR pixels per frame
MARGIN = PAN * (FRAMES - 1)  # region border needed for the pan (LR pixels)
GUARD = 16   # context around each patch inside its tile (LR pixels): one macroblock
BORDER = MARGIN + GUARD  # region border around the patch (LR pixels)


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
    """Per-frame (y, x) offsets of a tile-sized window into a region MARGIN larger on each side;
    the last frame sits at the centre (MARGIN, MARGIN)."""
    vy, vx = rng.integers(-PAN, PAN + 1, size=2)
    return [(MARGIN + (t - FRAMES + 1) * vy, MARGIN + (t - FRAMES + 1) * vx) for t in range(FRAMES)]


def mosaic_clip(regions: list[np.ndarray], patch: int, unit: int, codec: str, crf: int,
                scale_down: int, rng: np.random.Generator) -> list[np.ndarray]:
    """regions: uint8 [R,R,3] each, R = (patch + 2*BORDER) * unit, unit = scale_down (input in HR)
    or 1 (input already at LR). Returns each region's centre patch [patch,patch,3] (LR) after
    the codec, from the clip's last frame."""
    n = len(regions)
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    tile = (patch + 2 * GUARD) * unit
    offsets = [pan_offsets(rng) for _ in regions]
    frames = np.zeros((FRAMES, rows * tile, cols * tile, 3), np.uint8)
    for i, reg in enumerate(regions):
        r, c = divmod(i, cols)
        for t, (oy, ox) in enumerate(offsets[i]):
            frames[t, r * tile:(r + 1) * tile, c * tile:(c + 1) * tile] = \
                reg[oy * unit:oy * unit + tile, ox * unit:ox * unit + tile]
    last = encode_clip(frames, codec, crf, scale_down)[-1]
    out_tile = tile // scale_down  # unit == scale_down: the output is at LR
    return [last[(i // cols) * out_tile + GUARD:(i // cols) * out_tile + GUARD + patch,
                 (i % cols) * out_tile + GUARD:(i % cols) * out_tile + GUARD + patch] for i in range(n)]
