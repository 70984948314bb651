"""Compact fully convolutional networks for x2/x4 upscaling and 1x clean-up.

One shape for all: a 3x3 feature conv, a few residual blocks, a 3x3 conv to 3*s*s
channels and a PixelShuffle, added to a bilinear upsample of the input. The global skip
means the net only learns the residual (detail and artefact removal), which converges in
the few thousand CPU steps we can afford.

With `fold` 2 the body runs on the pixel-unshuffled input (half the width and height, 4x the
channels): at the same multiply-adds per pixel it holds 4x the weights and sees twice as far,
which codec blocks (8x8 and more) need, and onnxruntime runs its wider convs faster.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class ResBlock(nn.Module):
    def __init__(self, ch: int):
        super().__init__()
        self.a = nn.Conv2d(ch, ch, 3, padding=1)
        self.b = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return x + self.b(F.relu(self.a(x)))


def bilinear_phases(scale: int) -> torch.Tensor:
    """3x3 conv weights [3*s*s, 3, 3, 3] whose PixelShuffle is a bilinear (half-pixel) upsample.
    A conv, not a Resize node: onnxruntime's CPU Resize costs more than the whole network."""
    w = torch.zeros(3 * scale * scale, 3, 3, 3)
    taps = []
    for i in range(scale):
        o = (i + 0.5) / scale - 0.5  # offset of output phase i from the input pixel centre
        taps.append(torch.tensor([-o, 1 + o, 0.0]) if o < 0 else torch.tensor([0.0, 1 - o, o]))
    for c in range(3):
        for i in range(scale):
            for j in range(scale):
                w[c * scale * scale + i * scale + j, c] = torch.outer(taps[i], taps[j])
    return w


class Refiner(nn.Module):
    def __init__(self, scale: int, ch: int, blocks: int, fold: int = 1):
        super().__init__()
        self.scale = scale
        self.fold = fold
        self.head = nn.Conv2d(3 * fold * fold, ch, 3, padding=1)
        self.body = nn.Sequential(*[ResBlock(ch) for _ in range(blocks)])
        self.tail = nn.Conv2d(ch, 3 * (scale * fold) ** 2, 3, padding=1)
        # Start as the plain bilinear upsample: the residual branch outputs zero at step 0.
        nn.init.zeros_(self.tail.weight)
        nn.init.zeros_(self.tail.bias)
        if scale > 1:
            # Linear skip, learnable, initialised to bilinear.
            self.skip = nn.Conv2d(3, 3 * scale * scale, 3, padding=1)
            with torch.no_grad():
                self.skip.weight.copy_(bilinear_phases(scale))
                self.skip.bias.zero_()

    def forward(self, x):
        if self.fold == 1:
            f = self.tail(self.body(F.relu(self.head(x))))
            if self.scale == 1:
                return x + f
            return F.pixel_shuffle(f + self.skip(x), self.scale)
        # Odd sizes are padded by edge replication for the fold and cropped after it.
        h, w = x.shape[2], x.shape[3]
        folded = F.pixel_unshuffle(F.pad(x, (0, w % self.fold, 0, h % self.fold), mode='replicate'), self.fold)
        f = F.pixel_shuffle(self.tail(self.body(F.relu(self.head(folded)))), self.scale * self.fold)
        f = f[:, :, :h * self.scale, :w * self.scale]
        return x + f if self.scale == 1 else f + F.pixel_shuffle(self.skip(x), self.scale)


# id -> (scale, channels, residual blocks, fold). Sized for >= 2 frames/s at 960x540 on 2 CPU cores.
ARCHS = {
    'x2': (2, 24, 2, 1),
    'x4': (4, 32, 2, 1),
    'clean': (1, 32, 2, 1),
    # Trained on bicubic-only pairs: for clean sources, where fidelity beats robustness.
    'x2-fidelity': (2, 24, 2, 1),
}


def build(kind: str, ch: int | None = None, blocks: int | None = None) -> Refiner:
    scale, c, b, fold = ARCHS[kind]
    return Refiner(scale, ch or c, blocks if blocks is not None else b, fold)


def macs_per_pixel(net: Refiner) -> int:
    """Multiply-adds per input pixel (convs only; the shuffles are negligible). All but the
    skip run on the folded picture, 1/fold² of the pixels."""
    def cost(m: nn.Conv2d) -> int:
        return m.in_channels * m.out_channels * m.kernel_size[0] * m.kernel_size[1]
    skip = getattr(net, 'skip', None)
    folded = sum(cost(m) for m in net.modules() if isinstance(m, nn.Conv2d) and m is not skip)
    return folded // (net.fold * net.fold) + (cost(skip) if skip is not None else 0)


def param_count(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())
