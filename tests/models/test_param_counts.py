"""The default configs have exactly the official implementation's parameter counts."""

import dataclasses

import pytest

from gaugan.models import build_model, preset_configs
from gaugan.summary import count_parameters


def _generator(preset: str, use_vae: bool = False):
    g, _, _ = preset_configs(preset, use_vae=use_vae)
    return build_model(g)


@pytest.mark.parametrize(
    "preset, use_vae, expected",
    [
        ("coco-stuff", False, 97_480_899),
        ("coco-stuff", True, 112_626_883),
        ("ade20k", False, 96_492_483),
        ("cityscapes", False, 93_048_003),
    ],
)
def test_generator_parameter_count_matches_official(preset, use_vae, expected):
    assert count_parameters(_generator(preset, use_vae)) == expected


def test_encoder_and_discriminator_parameter_counts_match_official():
    _, d, e = preset_configs("coco-stuff", use_vae=True)
    assert d.input_channels == 184 + 3
    assert count_parameters(build_model(e)) == 10_463_424
    assert count_parameters(build_model(d)) == 5_904_514


def test_cityscapes_preset_output_is_512x256():
    g, _, _ = preset_configs("cityscapes")
    assert g.output_size == (256, 512)
    assert g.latent_size == (4, 8)


def test_spade_kernel_size_changes_only_modulation_parameters():
    g, _, _ = preset_configs("coco-stuff")
    base = count_parameters(build_model(dataclasses.replace(g, ngf=16)))
    k1 = count_parameters(build_model(dataclasses.replace(g, ngf=16, spade_kernel_size=1)))
    assert k1 < base
