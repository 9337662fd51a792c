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
