"""Config dataclasses, one per model; plain data that round-trips through JSON.

``config_to_dict`` adds a ``"type"`` tag; ``config_from_dict`` dispatches on it and refuses
unknown fields by name, so a typo in a hand-written config is an error rather than a default.
Each trainable config says how a training run's settings make it (``from_training(train, labels)``:
a `TrainConfig` and the dataset's `LabelSet`), so that `gaugan.train` needs no switch over types.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

UPSAMPLING_LAYERS = {"normal": 5, "more": 6, "most": 7}


@dataclass
class SPADEGeneratorConfig:
    """The SPADE generator (paper Sec. 3, appendix A).

    Attributes:
        semantic_channels: channels of the semantic input (classes + don't-care + instance edge).
        ngf: base width; blocks run 16, 16, 16, 8, 4, 2, 1 (and 1/2 for "most") x ngf.
        num_upsampling_layers: "normal" (5 x2 upsamplings), "more" (6) or "most" (7).
        width: output width in pixels; height = width / aspect_ratio rounded at the latent size.
        aspect_ratio: width / height of the output.
        norm: SPADE's parameter-free norm, "syncbatch" | "batch" | "instance".
        spade_kernel_size: 1, 3 or 5.
        spade_hidden: channels of SPADE's shared conv (128).
        spectral_norm: spectral norm on every residual-block conv.
        use_vae: start from z (Linear z_dim -> 16 ngf x latent) instead of the downsampled label map.
        z_dim: length of z when ``use_vae``.
        style_tone: with ``use_vae``, z also sets a per-picture gain and offset of the RGB logits
            (`gaugan.nn.style_tone`): a direct path from the style code to the picture's light.
        init_gain: gain of the Glorot-normal initialisation.
    """

    model_type: ClassVar[str] = "spade_generator"

    semantic_channels: int = 184
    ngf: int = 64
    num_upsampling_layers: str = "normal"
    width: int = 256
    aspect_ratio: float = 1.0
    norm: str = "syncbatch"
    spade_kernel_size: int = 3
    spade_hidden: int = 128
    spectral_norm: bool = True
    use_vae: bool = False
    z_dim: int = 256
    style_tone: bool = False
    init_gain: float = 0.02

    def __post_init__(self) -> None:
        if self.style_tone and not self.use_vae:
            raise ValueError("style_tone needs the style code: set use_vae too")
        if self.num_upsampling_layers not in UPSAMPLING_LAYERS:
            raise ValueError(
                f"num_upsampling_layers must be one of {sorted(UPSAMPLING_LAYERS)}, got {self.num_upsampling_layers!r}"
            )
        factor = 2**self.upsamplings
        if self.width < factor or self.width % factor:
            raise ValueError(
                f"width {self.width} must be a positive multiple of {factor} for "
                f"num_upsampling_layers={self.num_upsampling_layers!r}"
            )
        if self.latent_size[0] < 1:
            raise ValueError(f"aspect_ratio {self.aspect_ratio} leaves no rows at width {self.width}")

    @classmethod
    def from_training(cls, train: Any, labels: Any, **extra: Any) -> "SPADEGeneratorConfig":
        """The decoder generator a run trains (also Concat's; CLADE's adds its edge channel)."""
        return cls(
            semantic_channels=labels.semantic_channels, ngf=train.ngf, init_gain=train.init_gain,
            num_upsampling_layers=train.num_upsampling_layers, width=train.crop_size, aspect_ratio=train.aspect_ratio,
            norm=train.norm, spade_kernel_size=train.spade_kernel_size, spade_hidden=train.spade_hidden,
            use_vae=train.use_vae, z_dim=train.z_dim, style_tone=train.style_tone, **extra,
        )

    @property
    def upsamplings(self) -> int:
        return UPSAMPLING_LAYERS[self.num_upsampling_layers]

    @property
    def latent_size(self) -> tuple[int, int]:
        """(sh, sw): spatial size of the first feature map."""
        sw = self.width // 2**self.upsamplings
        return round(sw / self.aspect_ratio), sw

    @property
    def output_size(self) -> tuple[int, int]:
        """(H, W) of the generated image."""
        sh, sw = self.latent_size
        return sh * 2**self.upsamplings, sw * 2**self.upsamplings


@dataclass
class ConcatGeneratorConfig(SPADEGeneratorConfig):
    """The SPADE decoder with each SPADE replaced by concat(BN(x), label map) (ablation).

    SPADE-specific fields (norm, spade_kernel_size, spade_hidden) are ignored.
    """

    model_type: ClassVar[str] = "concat_generator"


@dataclass
class CLADEGeneratorConfig(SPADEGeneratorConfig):
    """The SPADE decoder with each SPADE replaced by CLADE, class-adaptive normalisation (Tan et al.).

    SPADE-specific fields (spade_kernel_size, spade_hidden) are ignored.

    Attributes:
        edge_channel: the last semantic channel is the instance-edge map (``LabelSet.instance``),
            not a class; it is fed to every CLADE layer as an extra feature channel.
        positional_encoding: CLADE-ICPE: modulate by each pixel's offset from its region's centre.
    """

    model_type: ClassVar[str] = "clade_generator"

    edge_channel: bool = True
    positional_encoding: bool = False

    @classmethod
    def from_training(cls, train: Any, labels: Any, **extra: Any) -> "CLADEGeneratorConfig":
        # The trailing channel is the instance-edge map only when the label set has one.
        return super().from_training(train, labels, edge_channel=labels.instance, **extra)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.semantic_channels - int(self.edge_channel) < 1:
            raise ValueError(f"{self.semantic_channels} semantic channels leave no class channel beside the edge channel")

    @property
    def num_classes(self) -> int:
        """One-hot class channels of the semantic input (classes + don't-care)."""
        return self.semantic_channels - int(self.edge_channel)


@dataclass
class Pix2PixHDGeneratorConfig:
    """pix2pixHD-style encoder-decoder generator (the paper's baseline, "pix2pixHD++").

    conv7x7 -> ``n_downsample`` stride-2 convs -> ``n_blocks`` residual blocks ->
    ``n_downsample`` transposed convs -> conv7x7 -> tanh, reflection padding, ReLU.

    Attributes:
        norm: "instance" (the baseline: label map seen only at the input) or "spade" (the
            "pix2pixHD++ w/ SPADE" ablation: residual and upsampling layers modulated by SPADE
            with parameter-free instance norm).
    """

    model_type: ClassVar[str] = "pix2pixhd_generator"

    semantic_channels: int = 184
    ngf: int = 64
    n_downsample: int = 4
    n_blocks: int = 9
    norm: str = "instance"
    spade_kernel_size: int = 3
    spade_hidden: int = 128
    spectral_norm: bool = True
    init_gain: float = 0.02

    @classmethod
    def from_training(cls, train: Any, labels: Any) -> "Pix2PixHDGeneratorConfig":
        return cls(semantic_channels=labels.semantic_channels, ngf=train.ngf, init_gain=train.init_gain)

    def __post_init__(self) -> None:
        if self.norm not in ("instance", "spade"):
            raise ValueError(f"Pix2PixHD generator norm must be 'instance' or 'spade', got {self.norm!r}")


@dataclass
class ConvEncoderConfig:
    """The VAE image encoder: stride-2 3x3 convs to a 4x4 map, then linear heads to mu and logvar.

    Attributes:
        input_size: images are resized (bilinear) to input_size^2 first; 256 gives the paper's six
            convs (ndf x 1, 2, 4, 8, 8, 8); smaller powers of two drop trailing convs.
        light_statistics: mu and logvar also read the image's per-channel mean and standard
            deviation, which the convs' instance norm removes (exposure and contrast), through
            zero-initialised linear layers (`gaugan.models.encoder`).
    """

    model_type: ClassVar[str] = "conv_encoder"

    ndf: int = 64
    z_dim: int = 256
    input_size: int = 256
    spectral_norm: bool = True
    init_gain: float = 0.02
    light_statistics: bool = False

    def __post_init__(self) -> None:
        if self.input_size < 8 or self.input_size & (self.input_size - 1):
            raise ValueError(f"encoder input_size must be a power of two >= 8, got {self.input_size}")

    @property
    def num_layers(self) -> int:
        return (self.input_size // 4).bit_length() - 1


@dataclass
class MultiscaleDiscriminatorConfig:
    """pix2pixHD multi-scale PatchGAN on concat(semantic input, image).

    Attributes:
        input_channels: semantic channels + 3 image channels.
        num_d: number of scales; each next scale sees the input average-pooled by 2.
        n_layers: convs per PatchGAN before the 1-channel output conv.
        ndf: width of the first conv (doubling, capped at 512).
    """

    model_type: ClassVar[str] = "multiscale_discriminator"

    input_channels: int = 187
    ndf: int = 64
    n_layers: int = 4
    num_d: int = 2
    spectral_norm: bool = True
    init_gain: float = 0.02

    @classmethod
    def from_training(cls, train: Any, labels: Any) -> "MultiscaleDiscriminatorConfig":
        return cls(
            input_channels=labels.semantic_channels + 3, ndf=train.ndf, n_layers=train.n_layers_d,
            num_d=train.num_d, init_gain=train.init_gain,
        )


# The OASIS configs live beside their models; those modules import nothing from gaugan.models.
from gaugan.models.oasis_discriminator import OASISDiscriminatorConfig  # noqa: E402
from gaugan.models.oasis_generator import OASISGeneratorConfig  # noqa: E402



def config_to_dict(config: Any) -> dict[str, Any]:
    """JSON-ready dict with a ``"type"`` tag."""
    return {"type": config.model_type, **dataclasses.asdict(config)}


def config_from_dict(data: dict[str, Any]) -> Any:
    """Inverse of `config_to_dict`; raises ValueError naming an unknown type or field."""
    data = dict(data)
    kind = data.pop("type", None)
    from gaugan.models.registry import CONFIG_TYPES  # the registry imports the modules, which import this file

    if kind not in CONFIG_TYPES:
        raise ValueError(f"unknown model type {kind!r}; known: {', '.join(sorted(CONFIG_TYPES))}")
    cls = CONFIG_TYPES[kind]
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValueError(f"{kind} config has unknown fields: {', '.join(unknown)}")
    return cls(**data)
