"""Traceable modules that take class ids, for ONNX export: the generator and the encoder's mean.

ONNX clients pass class-id maps, not one-hot tensors, so the one-hot step happens inside the
graph. Two forms:

- `LookupSPADEGraph` (SPADE generators): the fast path's exact rewrite (`gaugan.fast`) in a form
  the tracer can follow with a dynamic batch: spectral norm and eval-mode batch norm folded into
  plain weights, each SPADE's first conv (and the start conv) as k*k table lookups of per-pixel
  codes, and the code map resized once per resolution by constant index gathers. The fast
  path's data-dependent part (look up gamma/beta inside uniform regions) is left out: it would
  need shapes that depend on the label map.
- `OneHotGraph` (any other generator, e.g. CLADE): one-hot (+ instance edges) built in the graph,
  then the reference module with its spectral norm removed.

Both return (N, 3, H, W) in [-1, 1] for ``label_ids`` (N, H, W) int64 [+ ``instance_ids``
(N, H, W) int64 when the label set has an instance channel] [+ ``z`` (N, z_dim) when the
generator uses a VAE], at the fixed size (H, W) they were built for; N is free.
"""

from __future__ import annotations

import copy
import dataclasses

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import parametrize

from gaugan.fast.onehot_conv import OneHotConv
from gaugan.label_codes import codes_of, nearest_source_indices, pad_codes, tap_views
from gaugan.labels import LabelSet
from gaugan.models.config import SPADEGeneratorConfig
from gaugan.models.factory import build_model
from gaugan.models.generator import SPADEGenerator, block_schedule, latent_size
from gaugan.nn.blocks import LRELU_SLOPE, ModulatedResnetBlock, SPADEResnetBlock
from gaugan.nn.folding import eval_weights, norm_affine, plain_conv, plain_linear
from gaugan.nn.spade import SPADE


def instance_edges_traceable(instance_ids: torch.Tensor) -> torch.Tensor:
    """`gaugan.semantics.instance_edges` without in-place slice writes: (N, H, W) -> (N, 1, H, W) float.

    A pixel is an edge when it differs from its right or left, lower or upper neighbour; the
    differences are padded back to full size on both sides instead of or-ed into slices.
    """
    t = instance_ids.unsqueeze(1)
    horizontal = (t[..., :, 1:] != t[..., :, :-1]).to(torch.float32)
    vertical = (t[..., 1:, :] != t[..., :-1, :]).to(torch.float32)
    edges = torch.maximum(F.pad(horizontal, (0, 1)), F.pad(horizontal, (1, 0)))
    return torch.maximum(edges, torch.maximum(F.pad(vertical, (0, 0, 0, 1)), F.pad(vertical, (0, 0, 1, 0))))


def without_spectral_norm(module: nn.Module) -> nn.Module:
    """An eval-mode copy of a gaugan model whose spectrally normalised weights are plain tensors.

    Rebuilt from its config with ``spectral_norm=False`` rather than with
    ``parametrize.remove_parametrizations`` on a deep copy: that function edits the layer's
    class, which the copy shares with the original, and so breaks the original's weights.
    """
    plain = build_model(dataclasses.replace(module.config, spectral_norm=False)).to(next(module.parameters()).device)
    state = {}
    for name, tensor in module.state_dict().items():
        if ".parametrizations." not in name:
            state[name] = tensor
    for name, layer in module.named_modules():
        if parametrize.is_parametrized(layer, "weight"):
            state[f"{name}.weight"] = eval_weights(layer)[0]
    plain.load_state_dict(state, strict=True)
    return freeze_batchnorms(plain.eval()).requires_grad_(False)


class ChannelAffine(nn.Module):
    """An eval-mode batch norm as x * scale + shift per channel: (N, C, H, W) -> (N, C, H, W)."""

    def __init__(self, scale: torch.Tensor, shift: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("scale", scale.float().view(1, -1, 1, 1))
        self.register_buffer("shift", shift.float().view(1, -1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale + self.shift


def freeze_batchnorms(module: nn.Module) -> nn.Module:
    """Replace eval-mode batch norms (with running statistics) by `ChannelAffine`, in place.

    The same function; and the TorchScript exporter refuses batch norms whose channel count its
    shape inference lost (it loses it after CLADE's edge-channel concatenation).
    """
    for name, child in list(module.named_children()):
        affine = norm_affine(child)
        if affine is not None:
            device = child.running_mean.device
            setattr(module, name, ChannelAffine(*(t.to(device) for t in affine)))
        else:
            freeze_batchnorms(child)
    return module


class TapLookup(nn.Module):
    """A one-hot conv (`OneHotConv`, stride 1, zero padding k // 2) as k*k gathers:
    codes (N, H, W) int64 in 0..num_codes-1 -> (N, O, H, W)."""

    def __init__(self, onehot: OneHotConv) -> None:
        super().__init__()
        self.kernel_size = onehot.kernel_size
        self.outside = onehot.num_codes  # the zero row: taps past the image border
        # (k*k * (num_codes + 1), O), `gaugan.label_codes`' rows. Codes cover the 0/1 extras too
        # (instance edges computed in the graph are always 0/1), so the table is the whole conv.
        self.register_buffer("table", onehot.table.clone())

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        k = self.kernel_size
        padded = pad_codes(codes, k // 2, self.outside)
        out = None
        for tap, view in enumerate(tap_views(padded, k, 1, tuple(codes.shape[-2:]))):
            part = F.embedding(view + tap * (self.outside + 1), self.table)
            out = part if out is None else out + part
        return out.permute(0, 3, 1, 2)


class LookupSPADE(nn.Module):
    """Folded SPADE: norm(x) * a + b, [a; b] = conv(relu(lookup(codes))); (N, C, H, W) -> (N, C, H, W)."""

    def __init__(self, spade: SPADE, num_classes: int) -> None:
        super().__init__()
        folded = spade.fold()
        self.shared = TapLookup(OneHotConv(folded.shared_weight, folded.shared_bias, num_classes))
        k = self.shared.kernel_size
        self.channels = folded.weight.size(0) // 2
        self.gamma_beta = nn.Conv2d(folded.weight.size(1), folded.weight.size(0), k, padding=k // 2)
        with torch.no_grad():
            self.gamma_beta.weight.copy_(folded.weight)
            self.gamma_beta.bias.copy_(folded.bias)
        self.norm = folded.norm

    def forward(self, x: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
        ab = self.gamma_beta(F.relu(self.shared(codes)))
        if self.norm is not None:
            x = self.norm(x)
        return x * ab[:, : self.channels] + ab[:, self.channels :]


class LookupBlock(ModulatedResnetBlock):
    """`SPADEResnetBlock` in eval mode on codes at the block's resolution."""

    def __init__(self, block: SPADEResnetBlock, num_classes: int) -> None:
        super().__init__()
        self.learned_shortcut = block.learned_shortcut
        self.norm_0 = LookupSPADE(block.norm_0, num_classes)
        self.norm_1 = LookupSPADE(block.norm_1, num_classes)
        self.conv_0 = plain_conv(block.conv_0)
        self.conv_1 = plain_conv(block.conv_1)
        if self.learned_shortcut:
            self.norm_s = LookupSPADE(block.norm_s, num_classes)
            self.conv_s = plain_conv(block.conv_s)


class LookupSPADEGraph(nn.Module):
    """A trained `SPADEGenerator`'s eval-mode function on class ids (see the module docstring).

    Args:
        generator: the reference generator (only read).
        labels: its label space: ids 0..num_classes-1 (+ don't-care), + instance channel.
        size: (H, W) of the label maps the graph takes; the generator's output size by default.
    """

    def __init__(self, generator: SPADEGenerator, labels: LabelSet, size: tuple[int, int] | None = None) -> None:
        super().__init__()
        config: SPADEGeneratorConfig = generator.config
        self.config = config
        self.num_classes = labels.num_classes + int(labels.dontcare)
        self.num_extras = int(labels.instance)
        if config.semantic_channels != self.num_classes + self.num_extras:
            raise ValueError(f"generator takes {config.semantic_channels} semantic channels, the label set gives {labels.semantic_channels}")
        self.size = tuple(size or config.output_size)
        self.use_vae = config.use_vae
        if config.use_vae:
            self.fc = plain_linear(generator.fc)
        else:
            self.fc = TapLookup(OneHotConv(*eval_weights(generator.fc), self.num_classes))
        schedule = block_schedule(config)
        self.upsample = [up for _, up in schedule]
        self.blocks = nn.ModuleList(LookupBlock(getattr(generator, name), self.num_classes) for name, _ in schedule)
        self.conv_img = plain_conv(generator.conv_img)
        self.tone = copy.deepcopy(generator.tone) if generator.tone is not None else None
        # Constant row/column gathers from the full-size map to every resolution used.
        h, w = self.size
        self.latent = latent_size(config, self.size)
        # Each block's resolution, fixed by the schedule (so the trace reads no shapes).
        sh, sw = self.latent
        self.block_sizes = []
        for up in self.upsample:
            sh, sw = (2 * sh, 2 * sw) if up else (sh, sw)
            self.block_sizes.append((sh, sw))
        self.resolutions = list(dict.fromkeys(([] if self.use_vae else [self.latent]) + self.block_sizes))
        for i, (rh, rw) in enumerate(self.resolutions):
            self.register_buffer(f"rows_{i}", nearest_source_indices(h, rh))
            self.register_buffer(f"cols_{i}", nearest_source_indices(w, rw))
        self.to(next(generator.parameters()).device).requires_grad_(False).eval()

    def input_names(self) -> list[str]:
        return ["label_ids"] + (["instance_ids"] if self.num_extras else []) + (["z"] if self.use_vae else [])

    def codes_at(self, codes: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        """(N, H, W) codes -> (N, *size), resized like F.interpolate(mode="nearest")."""
        i = self.resolutions.index(size)
        return codes.index_select(1, getattr(self, f"rows_{i}")).index_select(2, getattr(self, f"cols_{i}"))

    def forward(self, label_ids: torch.Tensor, *rest: torch.Tensor) -> torch.Tensor:
        """label_ids (N, H, W) int64 [, instance_ids (N, H, W) int64] [, z (N, z_dim)] -> (N, 3, H, W)."""
        rest = list(rest)
        codes = label_ids
        if self.num_extras:
            codes = codes_of(codes, instance_edges_traceable(rest.pop(0)), self.num_extras)
        z = rest.pop(0) if self.use_vae else None
        if self.use_vae:
            x = self.fc(z).view(-1, 16 * self.config.ngf, *self.latent)
        else:
            x = self.fc(self.codes_at(codes, self.latent))
        for block, up, size in zip(self.blocks, self.upsample, self.block_sizes):
            if up:
                x = F.interpolate(x, scale_factor=2, mode="nearest")
            x = block(x, self.codes_at(codes, size))
        x = self.conv_img(F.leaky_relu(x, LRELU_SLOPE))
        return torch.tanh(self.tone(x, z) if self.tone is not None else x)


class OneHotGraph(nn.Module):
    """Any generator on class ids: one-hot (+ instance edges) in the graph, then the module itself."""

    def __init__(self, generator: nn.Module, labels: LabelSet) -> None:
        super().__init__()
        self.generator = without_spectral_norm(generator)
        self.num_classes = labels.num_classes + int(labels.dontcare)
        self.instance = labels.instance
        self.use_vae = bool(getattr(generator.config, "use_vae", False))
        self.register_buffer("class_index", torch.arange(self.num_classes).view(1, -1, 1, 1))
        self.to(next(generator.parameters()).device)

    def input_names(self) -> list[str]:
        return ["label_ids"] + (["instance_ids"] if self.instance else []) + (["z"] if self.use_vae else [])

    def forward(self, label_ids: torch.Tensor, *rest: torch.Tensor) -> torch.Tensor:
        """label_ids (N, H, W) int64 [, instance_ids (N, H, W) int64] [, z (N, z_dim)] -> (N, 3, H, W)."""
        rest = list(rest)
        semantics = (label_ids.unsqueeze(1) == self.class_index).to(torch.float32)
        if self.instance:
            semantics = torch.cat([semantics, instance_edges_traceable(rest.pop(0))], dim=1)
        if self.use_vae:
            return self.generator(semantics, z=rest.pop(0))
        return self.generator(semantics)


class EncoderMean(nn.Module):
    """The style encoder's mean: (N, 3, H, W) image in [-1, 1], any H, W -> mu (N, z_dim).

    The resize to the encoder's input size is always in the graph (an identity at that size), so
    the exported encoder takes images of any size.
    """

    def __init__(self, encoder: nn.Module) -> None:
        super().__init__()
        self.encoder = without_spectral_norm(encoder)
        self.input_size = encoder.config.input_size

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        size = (self.input_size, self.input_size)
        x = F.interpolate(image, size=size, mode="bilinear", align_corners=False)
        return self.encoder(x)[0]


def generator_graph(generator: nn.Module, labels: LabelSet) -> nn.Module:
    """The graph registered for the generator's type (`gaugan.models.registry`): the lookup form for
    SPADE generators, the one-hot form for the others; ValueError for a type that has none."""
    from gaugan.models.registry import onnx_graph_class  # the registry names this module's classes

    graph_class = onnx_graph_class(generator)
    if getattr(generator.config, "positional_encoding", False):
        raise ValueError(
            "CLADE-ICPE cannot be exported to ONNX: its positional encoding searches connected regions "
            "with a data-dependent loop; export a CLADE model without positional_encoding"
        )
    return graph_class(generator, labels)
