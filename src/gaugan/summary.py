"""Architecture summary: parameter counts and output sizes of the paper's model configs."""

from __future__ import annotations

import dataclasses

import torch.nn as nn

from gaugan.models.factory import build_model
from gaugan.models.presets import PRESETS, preset_configs


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def preset_rows(names: list[str] | None = None, ngf: int = 64, ndf: int = 64) -> list[dict]:
    """One row per preset: parameter counts of G (label input), G (z input), E and D."""
    rows = []
    for name in names or list(PRESETS):
        g_vae, d, e = preset_configs(name, use_vae=True, ngf=ngf, ndf=ndf)
        g = dataclasses.replace(g_vae, use_vae=False)
        rows.append(
            {
                "preset": name,
                "semantic_channels": g.semantic_channels,
                "output": "x".join(str(s) for s in g.output_size[::-1]),
                "upsampling": g.num_upsampling_layers,
                "generator": count_parameters(build_model(g)),
                "generator_vae": count_parameters(build_model(g_vae)),
                "encoder": count_parameters(build_model(e)),
                "discriminator": count_parameters(build_model(d)),
            }
        )
    return rows


def format_table(rows: list[dict]) -> str:
    headers = list(rows[0])
    cells = [[f"{v:,}" if isinstance(v, int) and k not in ("semantic_channels",) else str(v) for k, v in r.items()] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    lines = [" | ".join(h.ljust(w) for h, w in zip(headers, widths)), "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)
