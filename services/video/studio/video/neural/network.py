"""A Wav2Lip-class generator: U-Net face encoder/decoder conditioned on an audio (mel) embedding.

The layer layout and parameter names follow the published Wav2Lip checkpoints
(face_encoder_blocks / audio_encoder / face_decoder_blocks / output_block,
each conv followed by batch norm in `conv_block`), so those state dicts load
as they are. Channel widths come from `Wav2LipConfig`: the defaults are the
published sizes, tests use narrow ones with the same interface.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import torch
from torch import nn


@dataclass(frozen=True)
class Wav2LipConfig:
    face_channels: tuple[int, ...] = (16, 32, 64, 128, 256, 512, 512)
    audio_channels: tuple[int, ...] = (32, 64, 128, 256, 512)
    decoder_channels: tuple[int, ...] = (512, 512, 512, 384, 256, 128, 64)
    output_channels: int = 32
    #: Face crops are img_size x img_size; mel windows are num_mels x mel_steps.
    img_size: int = 96
    num_mels: int = 80
    mel_steps: int = 16

    def to_json(self) -> dict[str, Any]:
        return {"architecture": "wav2lip", **asdict(self)}

    @staticmethod
    def from_json(data: dict[str, Any]) -> Wav2LipConfig:
        known = {f.name for f in fields(Wav2LipConfig)}
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known}
        return Wav2LipConfig(**values)


class Conv(nn.Module):
    """Conv (or transposed conv) + batch norm + ReLU, optionally residual."""

    def __init__(
        self,
        cin: int,
        cout: int,
        kernel: int,
        stride: int | tuple[int, int],
        padding: int,
        *,
        residual: bool = False,
        transpose: bool = False,
        output_padding: int = 0,
    ) -> None:
        super().__init__()
        conv: nn.Module
        if transpose:
            conv = nn.ConvTranspose2d(cin, cout, kernel, stride, padding, output_padding)
        else:
            conv = nn.Conv2d(cin, cout, kernel, stride, padding)
        self.conv_block = nn.Sequential(conv, nn.BatchNorm2d(cout))
        self.act = nn.ReLU()
        self.residual = residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv_block(x)
        if self.residual:
            out = out + x
        return self.act(out)


def _res(channels: int, count: int) -> list[nn.Module]:
    return [Conv(channels, channels, 3, 1, 1, residual=True) for _ in range(count)]


class Wav2Lip(nn.Module):
    def __init__(self, config: Wav2LipConfig | None = None) -> None:
        super().__init__()
        self.config = c = config or Wav2LipConfig()
        f, a, d = c.face_channels, c.audio_channels, c.decoder_channels
        self.face_encoder_blocks = nn.ModuleList(
            [
                nn.Sequential(Conv(6, f[0], 7, 1, 3)),
                nn.Sequential(Conv(f[0], f[1], 3, 2, 1), *_res(f[1], 2)),
                nn.Sequential(Conv(f[1], f[2], 3, 2, 1), *_res(f[2], 3)),
                nn.Sequential(Conv(f[2], f[3], 3, 2, 1), *_res(f[3], 2)),
                nn.Sequential(Conv(f[3], f[4], 3, 2, 1), *_res(f[4], 2)),
                nn.Sequential(Conv(f[4], f[5], 3, 2, 1), *_res(f[5], 1)),
                nn.Sequential(Conv(f[5], f[6], 3, 1, 0), Conv(f[6], f[6], 1, 1, 0)),
            ]
        )
        self.audio_encoder = nn.Sequential(
            Conv(1, a[0], 3, 1, 1), *_res(a[0], 2),
            Conv(a[0], a[1], 3, (3, 1), 1), *_res(a[1], 2),
            Conv(a[1], a[2], 3, 3, 1), *_res(a[2], 2),
            Conv(a[2], a[3], 3, (3, 2), 1), *_res(a[3], 2),
            Conv(a[3], a[4], 3, 1, 0), Conv(a[4], a[4], 1, 1, 0),
        )  # fmt: skip

        def up(cin: int, cout: int, residuals: int, stride: int = 2) -> nn.Sequential:
            pad, extra = (1, 1) if stride == 2 else (0, 0)
            first = Conv(cin, cout, 3, stride, pad, transpose=True, output_padding=extra)
            return nn.Sequential(first, *_res(cout, residuals))

        self.face_decoder_blocks = nn.ModuleList(
            [
                nn.Sequential(Conv(a[4], d[0], 1, 1, 0)),
                up(d[0] + f[6], d[1], 1, stride=1),
                up(d[1] + f[5], d[2], 2),
                up(d[2] + f[4], d[3], 2),
                up(d[3] + f[3], d[4], 2),
                up(d[4] + f[2], d[5], 2),
                up(d[5] + f[1], d[6], 2),
            ]
        )
        self.output_block = nn.Sequential(
            Conv(d[6] + f[0], c.output_channels, 3, 1, 1), nn.Conv2d(c.output_channels, 3, 1, 1, 0), nn.Sigmoid()
        )

    def forward(self, mels: torch.Tensor, faces: torch.Tensor) -> torch.Tensor:
        """mels (B, 1, num_mels, mel_steps), faces (B, 6, S, S) -> lower-face-synced faces (B, 3, S, S) in 0..1."""
        x = self.audio_encoder(mels)
        skips = []
        y = faces
        for block in self.face_encoder_blocks:
            y = block(y)
            skips.append(y)
        for block in self.face_decoder_blocks:
            x = torch.cat((block(x), skips.pop()), dim=1)
        out: torch.Tensor = self.output_block(x)
        return out
