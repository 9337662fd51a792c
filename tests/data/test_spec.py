"""Each dataset's facts are declared once (its loader's DatasetSpec); label sets, preprocessing, the
paper's model configs and the training presets all read them."""

import pytest

from gaugan.data import build_dataset, load_labelset
from gaugan.data.labelsets import builtin_labelsets
from gaugan.data.registry import DATASET_CLASSES, SPECS, default_preprocess
from gaugan.models.presets import PRESETS as MODEL_PRESETS
from gaugan.models.presets import preset_configs
from gaugan.train.config import resolve_config


def test_every_loader_carries_the_spec_it_is_registered_under():
    assert set(DATASET_CLASSES) == set(SPECS)
    for name, loader in DATASET_CLASSES.items():
        assert loader.spec is SPECS[name] and loader.spec.name == name
    # A built-in label set exactly where a spec names a table; folders bring their own palette.
    assert set(builtin_labelsets()) == {n for n, s in SPECS.items() if s.table is not None} == set(SPECS) - {"folder"}
    with pytest.raises(KeyError, match="no built-in label set 'folder'"):
        load_labelset("folder")


@pytest.mark.parametrize(
    "name, semantic_channels, size, upsampling",
    [  # the paper's / official code's numbers
        ("coco-stuff", 184, (256, 256), "normal"),
        ("ade20k", 151, (256, 256), "normal"),
        ("ade20k-outdoor", 151, (256, 256), "normal"),
        ("cityscapes", 36, (256, 512), "more"),
        ("facades", 13, (256, 256), "normal"),
    ],
)
def test_the_paper_model_configs_follow_from_the_specs(name, semantic_channels, size, upsampling):
    generator, discriminator, _ = preset_configs(name)
    assert generator.semantic_channels == semantic_channels == load_labelset(name).semantic_channels
    assert discriminator.input_channels == semantic_channels + 3
    assert generator.output_size == size and generator.num_upsampling_layers == upsampling
    assert set(MODEL_PRESETS) == {n for n, s in SPECS.items() if s.paper_model}


def test_preprocessing_and_train_presets_come_from_the_same_spec():
    coco_train, coco_val = default_preprocess("coco-stuff", "train"), default_preprocess("coco-stuff", "val")
    assert (coco_train.load_size, coco_val.load_size, coco_train.crop_size, coco_train.flip, coco_val.flip) == (286, 256, 256, True, False)
    city = default_preprocess("cityscapes", "val")
    assert (city.mode, city.load_size, city.crop_size, city.aspect_ratio) == ("fixed", 512, 512, 2.0)
    for preset, epochs in (("coco-stuff", (50, 50)), ("ade20k", (100, 100)), ("cityscapes", (100, 100))):
        config = resolve_config(preset=preset)
        spec = SPECS[preset]
        assert (config.epochs, config.decay_epochs) == epochs
        assert (config.preprocess, config.load_size, config.crop_size, config.aspect_ratio, config.num_upsampling_layers) == (
            spec.preprocess, spec.train_load_size, spec.crop_size, spec.aspect_ratio, spec.num_upsampling_layers)


def test_a_real_dataset_reads_with_its_spec(shared_data):
    dataset = build_dataset("camvid", shared_data / "camvid", "val")
    assert dataset.labels == SPECS["camvid"].labels()
    assert dataset[0]["image"].shape == (3, 192, 256)  # the spec's 4:3 frame at 256 wide
