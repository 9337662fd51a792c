"""Every preprocess mode: output size on a non-square input, ids preserved, image and label aligned."""

import random

import numpy as np
import pytest
from PIL import Image

from gaugan.data.paired import PairedDataset, Sample
from gaugan.data.decoders import IdDecoder
from gaugan.data.transforms import Preprocess
from gaugan.labels import LabelSet

LABELS = LabelSet.generic(8)


@pytest.fixture
def striped(tmp_path):
    """80x48 (w x h) label map of vertical stripes (ids 0..7) and an image whose red = 30 * id."""
    ids = np.repeat(np.arange(8, dtype=np.uint8), 10)[None].repeat(48, 0)
    image = np.zeros((48, 80, 3), np.uint8)
    image[..., 0] = ids * 30
    Image.fromarray(image).save(tmp_path / "x.png")
    Image.fromarray(ids).save(tmp_path / "x_label.png")
    return Sample(tmp_path / "x.png", tmp_path / "x_label.png")


@pytest.mark.parametrize(
    "mode, expected_hw",
    [
        ("resize_and_crop", (32, 32)),
        ("crop", (32, 32)),
        ("scale_width", (24, 40)),  # width -> load_size 40, height 48 * 40 // 80
        ("scale_width_and_crop", None),  # 24 < crop 32: refused (below)
        ("scale_shortside", (40, 66)),  # short side (48) -> 40
        ("scale_shortside_and_crop", (32, 32)),
        ("fixed", (16, 32)),  # crop_size x crop_size / aspect_ratio 2
        ("none", (64, 64)),  # nearest multiples of 32, halves to even as the paper's code: 48 -> 64, 80 -> 64
    ],
)
def test_modes_give_expected_sizes_and_keep_image_and_label_aligned(striped, mode, expected_hw):
    opts = Preprocess(mode, load_size=40, crop_size=32, aspect_ratio=2.0, flip=True)
    dataset = PairedDataset([striped], LABELS, IdDecoder(LABELS), opts)
    if expected_hw is None:
        with pytest.raises(ValueError, match="smaller than crop_size 32"):
            dataset[0]
        return
    for seed in range(4):  # several crops and flips
        random.seed(seed)
        item = dataset[0]
        label, image = item["label"].numpy(), item["image"].numpy()
        assert label.shape == expected_hw and image.shape == (3, *expected_hw)
        assert set(np.unique(label)) <= set(range(8))  # nearest: no blended ids
        red = (image[0] + 1) * 127.5
        # Away from stripe borders (where bicubic blends), the image colour is the label's colour.
        interior = np.abs(red - label * 30) < 8
        assert interior.mean() > 0.6, (mode, interior.mean())
