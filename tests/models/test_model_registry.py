"""Model types are registered once (gaugan.models.registry): building, JSON tags, fast class, latent."""

import pytest

from gaugan.fast import FastCLADEGenerator, FastSPADEGenerator
from gaugan.models import build_model
from gaugan.models.config import config_from_dict, config_to_dict
from gaugan.models.registry import MODEL_TYPES, fast_class, model_type_of

SMALL = {  # a tiny instance of each generator config: (fields, fast class, latent length)
    "spade_generator": ({"semantic_channels": 4, "ngf": 8, "width": 32, "spade_hidden": 8}, FastSPADEGenerator, 0),
    "clade_generator": ({"semantic_channels": 4, "ngf": 8, "width": 32, "use_vae": True, "z_dim": 16}, FastCLADEGenerator, 16),
    "concat_generator": ({"semantic_channels": 4, "ngf": 8, "width": 32}, None, 0),
    "oasis_generator": ({"semantic_channels": 4, "ngf": 8, "spade_hidden": 8, "num_res_blocks": 4, "z_dim": 8}, None, 8),
}


def test_every_registered_type_round_trips_through_json_and_builds_its_module():
    tags = [entry.config.model_type for entry in MODEL_TYPES]
    assert len(tags) == len(set(tags))
    for entry in MODEL_TYPES:
        fields = SMALL.get(entry.config.model_type, ({},))[0]
        try:
            config = entry.config(**fields)
        except TypeError:
            pytest.fail(f"{entry.config.__name__} needs fields this test does not give")
        if entry.config.model_type in SMALL:
            module = build_model(config_to_dict(config))
            assert type(module) is entry.module and module.config == config
        assert config_from_dict(config_to_dict(config)) == config and model_type_of(config) is entry


@pytest.mark.parametrize("tag", sorted(SMALL))
def test_fast_class_and_latent_come_from_the_registry(tag):
    fields, fast, latent = SMALL[tag]
    entry = next(e for e in MODEL_TYPES if e.config.model_type == tag)
    generator = build_model(entry.config(**fields))
    assert fast_class(generator) is fast  # exact types: CLADE and Concat configs subclass SPADE's
    assert entry.latent(generator.config) == latent


def test_a_run_picks_its_generator_and_discriminator_by_their_registered_names():
    from gaugan.data import load_labelset
    from gaugan.models.registry import TRAINABLE
    from gaugan.train.config import resolve_config
    from gaugan.train.models import discriminator_config, generator_config

    assert set(TRAINABLE["generator"]) == {"spade", "clade", "concat", "pix2pixhd", "oasis"}
    assert set(TRAINABLE["discriminator"]) == {"multiscale", "oasis"}
    labels = load_labelset("camvid")
    for name, config_type in TRAINABLE["generator"].items():
        config = generator_config(resolve_config(set_items=[f"generator={name}", "dataset=camvid", "crop_size=64"]), labels)
        assert type(config) is config_type and config.semantic_channels == labels.semantic_channels
    for name, config_type in TRAINABLE["discriminator"].items():
        assert type(discriminator_config(resolve_config(set_items=[f"discriminator={name}"]), labels)) is config_type
    with pytest.raises(ValueError, match="generator must be one of spade, clade, concat, pix2pixhd, oasis, got 'stylegan'"):
        resolve_config(set_items=["generator=stylegan"])


def test_the_onnx_graph_is_the_registered_one_and_a_type_without_one_says_why():
    from gaugan.export.graphs import LookupSPADEGraph, OneHotGraph
    from gaugan.models.registry import onnx_graph_class

    graphs = {"spade_generator": LookupSPADEGraph, "clade_generator": OneHotGraph, "concat_generator": OneHotGraph}
    for tag, graph in graphs.items():
        assert onnx_graph_class(build_model({"type": tag, **SMALL[tag][0]})) is graph
    oasis = build_model({"type": "oasis_generator", **SMALL["oasis_generator"][0]})
    with pytest.raises(ValueError, match="OASIS generators are not exported to ONNX: their 3D noise"):
        onnx_graph_class(oasis)
