"""Start a run from a pretrained generator whose label set differs: fine-tuning to new classes.

Only the tensors that read the semantic input depend on the classes: SPADE's first conv and every
SPADE layer's shared conv (their input-channel dimension), CLADE's per-class gamma/beta tables
(their first dimension). Everything else (the decoder convs, the encoder, the z projection) is kept.
A class-dependent tensor starts from the new model's own initialisation, and the slices of classes
that the old label set also has (same name, or mapped by ``class_map``) are copied from it, so the
pretrained generator paints those classes as before. Don't-care and instance-edge channels map onto
each other when both label sets have them.

Which dimension of which tensor is semantic is found, not listed: a second model is built with one
more semantic channel and the shapes compared, so a new generator type needs no entry here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import torch
import torch.nn as nn

from gaugan.labels import LabelSet
from gaugan.models import build_model
from gaugan.train.ema import refresh_spectral_vectors


@dataclass
class TransferReport:
    """What `transfer_generator` did, for the run's log and ``init_from.json``."""

    kept: list[str] = field(default_factory=list)  # copied whole (label-independent)
    copied: list[str] = field(default_factory=list)  # class-dependent: matched channels copied, the rest fresh
    fresh: list[str] = field(default_factory=list)  # new initialisation (no class matched, or a derived vector)
    channel_map: dict[str, str] = field(default_factory=dict)  # new channel name -> old channel name
    unmatched: list[str] = field(default_factory=list)  # new channels that start fresh

    def summary(self) -> str:
        matched = ", ".join(f"{new}<-{old}" if new != old else new for new, old in self.channel_map.items()) or "none"
        return (f"kept {len(self.kept)} tensors; {len(self.copied)} class-dependent tensors copied for "
                f"{len(self.channel_map)} of {len(self.channel_map) + len(self.unmatched)} semantic channels "
                f"({matched}); fresh: {len(self.fresh)} tensors"
                + (f"; classes that start fresh: {', '.join(self.unmatched)}" if self.unmatched else ""))

    def to_dict(self) -> dict:
        return {"kept": self.kept, "copied": self.copied, "fresh": self.fresh,
                "channel_map": self.channel_map, "unmatched": self.unmatched}


def semantic_channel_names(labels: LabelSet) -> list[str]:
    """Names of the generator's input channels, in `semantic_input`'s order."""
    names = list(labels.names)
    if labels.dontcare:
        names.append("<don't care>")
    if labels.instance:
        names.append("<instance edges>")
    return names


def match_channels(source: LabelSet, target: LabelSet, class_map: dict[str, str] | None = None) -> dict[int, int]:
    """Target channel index -> source channel index, for channels of the same (case-insensitive) name.

    ``class_map`` maps target class names to source class names explicitly (e.g. {"sky": "sky-other"});
    a name it gives that the source lacks is an error.
    """
    source_names = semantic_channel_names(source)
    by_name = {name.lower(): i for i, name in enumerate(source_names)}
    target_names = semantic_channel_names(target)
    explicit = {k.lower(): v for k, v in (class_map or {}).items()}
    unknown_targets = sorted(set(explicit) - {n.lower() for n in target_names})
    if unknown_targets:
        raise ValueError(f"init_from_classes names classes this run does not have: {', '.join(unknown_targets)}")
    pairs = {}
    for j, name in enumerate(target_names):
        wanted = explicit.get(name.lower(), name)
        if wanted.lower() in by_name:
            pairs[j] = by_name[wanted.lower()]
        elif name.lower() in explicit:
            raise ValueError(f"init_from_classes maps {name!r} to {wanted!r}, which the pretrained model does not have "
                             f"(its classes: {', '.join(source.names[:12])}{', ...' if len(source.names) > 12 else ''})")
    return pairs


def semantic_dims(config) -> dict[str, int | None]:
    """Tensor name -> its semantic dimension, for every tensor of the generator built from ``config``
    whose shape depends on ``semantic_channels``; None when it depends on it but not one-for-one
    (a spectral-norm vector of a flattened weight)."""
    torch_state = torch.get_rng_state()
    try:
        one = build_model(config).state_dict()
        two = build_model(replace(config, semantic_channels=config.semantic_channels + 1)).state_dict()
    finally:
        torch.set_rng_state(torch_state)  # building probes must not change the run's initial weights
    dims: dict[str, int | None] = {}
    for name, tensor in one.items():
        other = two[name]
        if other.shape == tensor.shape:
            continue
        changed = [d for d, (a, b) in enumerate(zip(tensor.shape, other.shape)) if a != b]
        one_for_one = len(changed) == 1 and other.shape[changed[0]] == tensor.shape[changed[0]] + 1
        dims[name] = changed[0] if one_for_one and tensor.shape[changed[0]] == config.semantic_channels else None
    return dims


@torch.no_grad()
def transfer_generator(
    source: nn.Module, source_labels: LabelSet, target: nn.Module, target_labels: LabelSet,
    class_map: dict[str, str] | None = None,
) -> TransferReport:
    """Load ``source``'s weights into ``target`` (same architecture, other label set) in place.

    Both are generators with a ``config``; every config field but ``semantic_channels`` must agree.
    """
    differs = [k for k, v in vars(target.config).items() if k != "semantic_channels" and getattr(source.config, k, None) != v]
    if type(source) is not type(target) or differs:
        raise ValueError(f"the pretrained generator differs from this run's in {', '.join(differs) or 'its type'}: "
                         "only the label set may change when fine-tuning")
    pairs = match_channels(source_labels, target_labels, class_map)
    dims = semantic_dims(target.config)
    old, new = source.state_dict(), target.state_dict()
    report = TransferReport()
    target_names, source_names = semantic_channel_names(target_labels), semantic_channel_names(source_labels)
    report.channel_map = {target_names[j]: source_names[i] for j, i in pairs.items()}
    report.unmatched = [name for j, name in enumerate(target_names) if j not in pairs]
    for name, tensor in new.items():
        if name not in dims:
            if old[name].shape != tensor.shape:
                raise ValueError(f"tensor {name!r}: {tuple(old[name].shape)} in the pretrained model, "
                                 f"{tuple(tensor.shape)} here, though it does not depend on the classes")
            tensor.copy_(old[name])
            report.kept.append(name)
        elif dims[name] is None or not pairs:
            report.fresh.append(name)  # derived (re-estimated below) or nothing to copy
        else:
            dim = dims[name]
            index_new = torch.tensor(list(pairs), dtype=torch.long)
            index_old = torch.tensor(list(pairs.values()), dtype=torch.long)
            tensor.index_copy_(dim, index_new, old[name].index_select(dim, index_old).to(tensor.dtype))
            report.copied.append(name)
    # Spectral-norm power-iteration vectors of class-dependent weights: re-estimated for the new weights
    # (only those: re-running them on kept weights would change what the kept layers compute).
    for name in report.fresh:
        if ".parametrizations." in name:
            refresh_spectral_vectors(target.get_submodule(name.split(".parametrizations.")[0]))
    return report
