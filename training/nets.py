"""Compact fully convolutional networks for x2/x4 upscaling and 1x clean-up.

One shape for all three: a 3x3 feature conv, a few residual blocks, a 3x3 conv to 3*s*s
channels and a PixelShuffle, added to a bilinear upsample of the input. The global skip
means the net only learns the residual (detail and artefact removal), which converges in
the few thousand CPU steps we can afford.
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
    def __init__(self, scale: int, ch: int, blocks: int):
        super().__init__()
        self.scale = scale
        self.head = nn.Conv2d(3, ch, 3, padding=1)
        self.body = nn.Sequential(*[ResBlock(ch) for _ in range(blocks)])
        self.tail = nn.Conv2d(ch, 3 * scale * scale, 3, padding=1)
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
        f = self.tail(self.body(F.relu(self.head(x))))
        if self.scale == 1:
            return x + f
        return F.pixel_shuffle(f + self.skip(x), self.scale)


# id -> (scale, channels, residual blocks). Sized for >= 2 frames/s at 960x540 on 2 CPU cores.
ARCHS = {
    'x2': (2, 24, 2),
    'x4': (4, 32, 2),
    'clean': (1, 32, 2),
    # Same net trained on bicubic-only pairs: for clean sources, where fidelity beats robustness.
    'x2-fidelity': (2, 24, 2),
}


def build(kind: str, ch: int | None = None, blocks: int | None = None) -> Refiner:
    scale, c, b = ARCHS[kind]
    return Refiner(scale, ch or c, blocks if blocks is not None else b)


def macs_per_pixel(net: Refiner) -> int:
    """Multiply-adds per input pixel (convs only; the skip and shuffle are negligible)."""
    return sum(m.in_channels * m.out_channels * m.kernel_size[0] * m.kernel_size[1]
               for m in net.modules() if isinstance(m, nn.Conv2d))


def param_count(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())
