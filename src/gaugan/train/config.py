"""Training configuration: one plain dataclass, presets for the paper's datasets, file + overrides.

A run's resolved config is written next to its checkpoints (``train_config.json``), so a run can
always be reproduced or resumed with exactly the settings that produced it.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gaugan.data.registry import SPECS


@dataclass
class TrainConfig:
    """Everything `gaugan train` needs. Defaults are the paper's recipe (official code).

    Learning rates: with ``ttur`` the generator (and encoder) use lr / 2 and the discriminator
    lr * 2, i.e. 1e-4 and 4e-4 for lr = 2e-4, Adam betas (0, 0.9). The rate is constant for
    ``epochs`` (or ``iterations``) and then decays linearly to 0 over ``decay_epochs``
    (``decay_iterations``); set the iteration fields to count in steps instead of epochs.
    """

    # data
    dataset: str = "folder"
    dataroot: str = ""
    split: str = "train"
    preprocess: str = "resize_and_crop"
    load_size: int = 286
    crop_size: int = 256
    aspect_ratio: float = 1.0
    flip: bool = True
    palette: str | None = None  # colour-coded folder datasets
    # Instance-boundary channel where the dataset has instance maps (COCO-Stuff, Cityscapes); false is
    # the official code's --no_instance (and OASIS', which never reads instances).
    instances: bool = True
    max_samples: int | None = None  # use only the first N samples (of each dataset; debugging, tests)
    # A second dataset trained alongside (data/relabel.py): its classes renamed into the first one's by the
    # table gaugan/data/labels/<extra_dataset>-to-<dataset>.csv, e.g. LabelMeFacade's facades into CamVid.
    # Same preprocessing; with "fixed", only its photos of the training aspect ratio (within 2%).
    extra_dataset: str | None = None
    extra_dataroot: str = ""
    extra_split: str = "all"

    # model
    generator: str = "spade"  # a name in models/registry.py: spade, clade, concat, pix2pixhd, oasis (3D noise, no encoder)
    # "multiscale" (pix2pixHD PatchGANs: hinge + feature matching) | "oasis" (U-Net segmenter with N+1
    # classes: class-balanced cross-entropy + LabelMix; feature matching does not apply)
    discriminator: str = "multiscale"
    noise_dim: int = 64  # OASIS generator: channels of the 3D noise map (0: none)
    oasis_g_blocks: int = 6  # OASIS generator residual blocks: label maps must divide by 2**(n-1)
    oasis_d_blocks: int = 6  # OASIS discriminator encoder blocks: images must divide by 2**n
    ngf: int = 64
    ndf: int = 64
    num_upsampling_layers: str = "normal"
    norm: str = "syncbatch"
    spade_kernel_size: int = 3
    spade_hidden: int = 128
    use_vae: bool = False
    z_dim: int = 256
    # With use_vae: z also sets a per-picture gain and offset of the output's RGB (nn/style_tone.py), a direct
    # path from the style code to the light; zero at the start, so init_from a model without one is exact.
    style_tone: bool = False
    # The style encoder's square input size (a power of two); None: 256 for crops of 256 px and more
    # (the paper's six convs), else the crop's largest power of two. A 128 px stage of a 256 px model
    # (coarse-to-fine, train/resize_start.py) sets 256 so that both stages share one encoder.
    encoder_input_size: int | None = None
    # The encoder's heads also read each picture's per-channel mean and standard deviation, which its instance
    # norm hides (exposure, contrast: models/encoder.py); zero at the start, so init_from a model without them is exact.
    encoder_light_statistics: bool = False
    num_d: int = 2
    n_layers_d: int = 4
    init_gain: float = 0.02

    # losses
    gan_mode: str = "hinge"
    lambda_feat: float = 10.0
    lambda_vgg: float = 10.0
    lambda_kld: float = 0.05
    # Nats per latent dimension that the KL term does not charge (losses/kld.py; 0 = the paper's KL). An
    # encoder held at the prior by lambda_kld sets no style (posterior collapse): with free bits it may
    # carry up to z_dim x this much per picture for free.
    kld_free_bits: float = 0.0
    # Random exposure, white balance and contrast of each real photo (train/light_jitter.py; 0 = off, the
    # paper's recipe): where the layout tells the light (CamVid's four drives), only then must the style code.
    light_jitter: float = 0.0
    light_white_balance: bool = True  # with light_jitter: random per-channel gains too (false: exposure and contrast only)
    # With light_jitter: the discriminator also learns the relit photos as real (true). False: it judges the
    # photos in their own light, and only the encoder and the generator's targets (L1, chroma, feature
    # matching, VGG) read the relit ones, so a reference's light is followed while the pictures drawn from
    # the prior (seeds) stay in the dataset's light.
    light_jitter_discriminator: bool = True
    # With use_vae: the discriminator also judges pictures painted from codes drawn from the prior (seeds),
    # weighed this against the encoded codes' pictures (the two kinds of fake together weigh as much as
    # the reals), and the generator is charged this times their GAN loss (BicycleGAN's cLR-GAN branch; 0 = off, the
    # paper's recipe, where D only ever sees pictures of encoded codes, so nothing holds the seeds to the
    # data once the codes carry something the data does not vary, e.g. light_jitter's light). Costs one
    # more generator pass per step.
    lambda_gan_prior: float = 0.0
    # pix2pix's L1 between the generated and the real picture (mean over pixels and channels, images in
    # [-1, 1]); with the style encoder the generator is asked to reconstruct the very frame whose style it
    # was given. Not in the paper's recipe (0 = off): a stand-in for the VGG loss where its weights cannot
    # be had, against noisy textures that the discriminator lets through (docs/streets-log.md, "An L1 term against the confetti").
    lambda_l1: float = 0.0
    # L1 on chroma alone (BT.601 Cb, Cr; losses/chroma.py) between the generated and the real picture, on top
    # of lambda_l1: wrong colour costs, the brightness detail the layout cannot predict does not (0 = off).
    lambda_l1_chroma: float = 0.0
    lambda_labelmix: float = 10.0  # OASIS discriminator: LabelMix consistency (0 disables it)
    class_balancing: bool = True  # OASIS losses: weight each class by its inverse pixel frequency
    use_vgg: bool = True
    # DiffAugment for the multi-scale discriminator (train/d_augment.py): a comma-separated subset of
    # "color,translation,cutout", applied alike to real and generated pictures (and their label maps)
    # in every discriminator call. "" (the paper's recipe): none.
    d_augment: str = ""
    vgg_weights: str | None = None
    vgg_imagenet_normalize: bool = False

    # optimisation
    lr: float = 0.0002
    ttur: bool = True
    beta1: float = 0.0
    beta2: float = 0.9
    batch_size: int = 1  # per process
    grad_accumulation: int = 1
    epochs: int = 50
    decay_epochs: int = 0
    iterations: int | None = None  # overrides epochs when set
    decay_iterations: int = 0
    # "auto" (bf16 on CPUs with native bf16, AVX512-BF16 / AMX, except with OASIS's discriminator;
    # fp32 elsewhere) | "fp32" | "bf16" |
    # "fp16" (CUDA only). Resolved when a run starts (train/precision.py), so a run resumed on
    # another machine computes in what suits that one.
    precision: str = "auto"
    # Channels-last memory for the models and batches (gaugan.train.layout): faster convolutions on
    # AVX-512 CPUs in fp32 and bf16. None: on for CPUs with AVX-512, off elsewhere (not measured).
    channels_last: bool | None = None
    # One-hot convs (SPADE's first conv, the discriminator's first conv) as exact table lookups
    # (gaugan.nn.label_lookup): the same function and gradients, less work. None: on for CPU
    # training, off on CUDA (where it has not been measured).
    label_lookup: bool | None = None
    # A checkpoint directory (save_pretrained format: a run's final/; or a training run / checkpoint), or an
    # embedded model's name ("streets", "landscapes", "default") whose generator and encoder weights start a
    # new run; D too when the directory ships one of this run's config (train/shipped_discriminator.py), else D
    # starts fresh. Another label set fine-tunes: class-dependent tensors are rebuilt (train/transfer.py).
    init_from: str | None = None
    # Fine-tuning to another label set: run class name -> the pretrained model's class name, for
    # classes whose names differ ({"sky": "sky-other"}); same-named classes are matched anyway.
    init_from_classes: dict[str, str] | None = None
    ema_decay: float | None = 0.999  # None disables the EMA generator
    ema_start: int = 0  # copy G into the EMA until this step
    # EMA warm-up (stylegan2-ada's ema_rampup): the average's half-life is at most ema_rampup x step,
    # so an early export is never mostly the initial weights; the decay reaches ema_decay after
    # 13,860 steps (0.999, 0.05) and stays there. None: the fixed decay from ema_start on.
    ema_rampup: float | None = 0.05

    # bookkeeping
    output_dir: str = "runs/gaugan"
    checkpoint_every: int = 1000
    keep_checkpoints: int = 3
    log_every: int = 20
    sample_every: int | None = None  # defaults to checkpoint_every
    num_samples: int = 8
    seed: int = 0
    num_workers: int = 0
    device: str = "auto"
    tensorboard: bool = True

    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from gaugan.models.registry import TRAINABLE  # here: building a config imports no torch otherwise

        choices = {
            "generator": tuple(TRAINABLE["generator"]),
            "discriminator": tuple(TRAINABLE["discriminator"]),
            "gan_mode": ("hinge", "ls", "original"),
            "precision": ("auto", "fp32", "bf16", "fp16"),
            "num_upsampling_layers": ("normal", "more", "most"),
            "norm": ("syncbatch", "batch", "instance"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {getattr(self, name)!r}")
        for name in ("batch_size", "grad_accumulation", "checkpoint_every", "log_every", "epochs"):
            if getattr(self, name) < (0 if name == "epochs" else 1):
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        for name in ("label_lookup", "channels_last"):
            if getattr(self, name) not in (None, True, False):
                raise ValueError(f"{name} must be true, false or null (auto), got {getattr(self, name)!r}")
        if self.ema_decay is not None and not 0 < self.ema_decay < 1:
            raise ValueError(f"ema_decay must be in (0, 1) or null, got {self.ema_decay}")
        if self.encoder_input_size is not None and (self.encoder_input_size < 8 or self.encoder_input_size & (self.encoder_input_size - 1)):
            raise ValueError(f"encoder_input_size must be a power of two >= 8 (or null), got {self.encoder_input_size}")
        if self.generator == "oasis" and self.use_vae:
            raise ValueError("the OASIS generator takes 3D noise, not a style encoder: use_vae must be false")
        from gaugan.train.d_augment import parse_operations

        if parse_operations(self.d_augment) and self.discriminator == "oasis":
            raise ValueError("d_augment works with the multi-scale discriminator; OASIS's segments the image "
                             "alone and its losses read class ids, which the augmentation does not move")
        for name in ("lambda_feat", "lambda_vgg", "lambda_kld", "kld_free_bits", "lambda_l1", "lambda_l1_chroma", "lambda_labelmix",
                     "lambda_gan_prior"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.extra_dataset is not None and not self.extra_dataroot:
            raise ValueError(f"extra_dataset {self.extra_dataset!r} needs extra_dataroot (its folder)")
        if self.lambda_gan_prior > 0 and (not self.use_vae or self.discriminator == "oasis"):
            raise ValueError("lambda_gan_prior judges pictures of prior codes: it needs use_vae and the multi-scale discriminator")
        if not 0 <= self.light_jitter <= 2:
            raise ValueError(f"light_jitter must be in [0, 2] (exposure x 2^U(-s, s)), got {self.light_jitter}")
        if self.ema_rampup is not None and not self.ema_rampup > 0:
            raise ValueError(f"ema_rampup must be positive or null, got {self.ema_rampup}")

    @property
    def lr_generator(self) -> float:
        return self.lr / 2 if self.ttur else self.lr

    @property
    def lr_discriminator(self) -> float:
        return self.lr * 2 if self.ttur else self.lr

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


_OASIS = {"generator": "oasis", "discriminator": "oasis", "use_vgg": False, "lambda_feat": 0.0, "beta2": 0.999,
          "decay_epochs": 0, "instances": False,
          "num_upsampling_layers": "normal"}  # SPADE's decoder depth; OASIS' is oasis_g_blocks

# Each dataset's own sizes and the paper's schedule (its `DatasetSpec`), then OASIS' per-dataset settings.
PRESETS: dict[str, dict[str, Any]] = {
    **{name: spec.train_preset() for name, spec in SPECS.items() if spec.table is not None},
    # OASIS (Schoenfeld et al., ICLR 2021) as boschresearch/OASIS's config.py sets it per dataset:
    # segmentation D + 3D-noise G, no VGG and no feature matching, Adam (0, 0.999), LabelMix, no
    # learning-rate decay, no instance maps. batch_size is per process here: the official runs use
    # 32 (ADE20K, COCO-Stuff) and 20 (Cityscapes) in all.
    "ade20k-oasis": {**SPECS["ade20k"].train_preset(), **_OASIS, "epochs": 200, "lambda_labelmix": 10.0, "ema_decay": 0.9999},
    "coco-stuff-oasis": {**SPECS["coco-stuff"].train_preset(), **_OASIS, "epochs": 100, "lambda_labelmix": 10.0,
                         "ema_decay": 0.9999},
    # Cityscapes at 512x256 (no crop), G and D both at 4e-4.
    "cityscapes-oasis": {**SPECS["cityscapes"].train_preset(), **_OASIS, "epochs": 200, "lr": 4e-4, "ttur": False,
                         "lambda_labelmix": 5.0, "ema_decay": 0.999},
}

_FIELDS = {f.name: f for f in dataclasses.fields(TrainConfig)}


def _parse_value(name: str, text: str) -> Any:
    """Parse a command-line override as JSON where possible ("3", "true", "null"), else a string."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = text
    expected = _FIELDS[name].type
    if isinstance(value, (int, float)) and "str" in str(expected) and "int" not in str(expected) and "float" not in str(expected):
        value = text  # e.g. dataroot=2024 stays a path
    if isinstance(value, int) and not isinstance(value, bool) and "float" in str(expected) and "int" not in str(expected):
        value = float(value)
    return value


def load_config_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML or JSON training config; unknown keys are an error naming them."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"training config not found: {path}")
    text = path.read_text()
    if path.suffix in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(text) or {}
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"{path} is not valid JSON: {err}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold a mapping of config fields")
    return data


def resolve_config(
    preset: str | None = None,
    config_file: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    set_items: list[str] | None = None,
) -> TrainConfig:
    """Defaults <- preset <- config file <- explicit overrides <- ``key=value`` strings."""
    values: dict[str, Any] = {}
    if preset:
        if preset not in PRESETS:
            raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
        values.update(PRESETS[preset])
    if config_file:
        values.update(load_config_file(config_file))
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    for item in set_items or []:
        if "=" not in item:
            raise ValueError(f"--set expects key=value, got {item!r}")
        key, text = item.split("=", 1)
        key = key.strip().replace("-", "_")
        if key not in _FIELDS:
            raise ValueError(f"unknown config field {key!r} in --set {item!r}")
        values[key] = _parse_value(key, text)
    unknown = sorted(set(values) - set(_FIELDS))
    if unknown:
        raise ValueError(f"unknown training config fields: {', '.join(unknown)}")
    return TrainConfig(**values)
