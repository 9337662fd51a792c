"""Every preprocess mode: output size on a non-square input, ids kept exactly (nearest), and one crop /
flip shared by image, label map and instance map."""

import random

import numpy as np
import pytest
from PIL import Image

from gaugan.data import DatasetError, Preprocess
from gaugan.data.decoders import IdDecoder
from gaugan.data.paired import PairedDataset, Sample
from gaugan.data.transforms import image_to_tensor
from gaugan.labels import LabelSet

LABELS = LabelSet.generic(32, instance=True)
H, W = 48, 80  # non-square input, wider than tall


@pytest.fixture
def grid(tmp_path, files):
    """Label id = column + 8 * row of an 8 x 4 grid of 10 x 12 cells; the photo's red = 30 * column,
    green = 60 * row; instance id = label * 1000 + 7. So any misaligned crop/flip shows up."""
    ys, xs = np.mgrid[0:H, 0:W]
    col, row = xs // 10, ys // 12
    label = (col + 8 * row).astype(np.uint8)
    photo = np.zeros((H, W, 3), np.uint8)
    photo[..., 0], photo[..., 1] = col * 30, row * 60
    files.png(tmp_path / "x.png", photo)
    files.png(tmp_path / "x_label.png", label)
    files.png(tmp_path / "x_inst.png", (label.astype(np.int32) * 1000 + 7).astype(np.uint16))
    return Sample(tmp_path / "x.png", tmp_path / "x_label.png", tmp_path / "x_inst.png"), label


def _dataset(sample, **opts):
    return PairedDataset([sample], LABELS, IdDecoder(LABELS), Preprocess(**opts))


def _check_aligned(item):
    """Image, label and instance went through the same geometry."""
    label, instance, image = item["label"].numpy(), item["instance"].numpy(), item["image"].numpy()
    assert np.array_equal(instance // 1000, label) and (instance % 1000 == 7).all()
    red, green = (image[0] + 1) * 127.5, (image[1] + 1) * 127.5
    # Bicubic blends colours across cell borders only; inside cells the colour is the label's.
    agree = (np.abs(red - (label % 8) * 30) < 10) & (np.abs(green - (label // 8) * 60) < 10)
    assert agree.mean() > 0.6, agree.mean()


@pytest.mark.parametrize(
    "mode, hw",
    [
        ("resize_and_crop", (32, 32)),
        ("crop", (32, 32)),
        ("scale_width", (24, 40)),  # width -> load_size 40, height int(40 * 48 / 80) = 24
        ("scale_shortside", (40, 66)),  # short side 48 -> 40, long side int(40 * 80 / 48) = 66
        ("scale_shortside_and_crop", (32, 32)),
        ("fixed", (16, 32)),  # crop_size x round(crop_size / aspect_ratio 2)
        ("none", (64, 64)),  # multiples of 32, Python rounding: 48 / 32 = 1.5 -> 2, 80 / 32 = 2.5 -> 2
    ],
)
def test_mode_output_size_ids_and_alignment(grid, mode, hw):
    sample, original = grid
    dataset = _dataset(sample, mode=mode, load_size=40, crop_size=32, aspect_ratio=2.0, flip=True)
    assert dataset.preprocess.output_size((W, H)) == hw[::-1]
    flips = set()
    for seed in range(6):  # several crop positions and flips
        random.seed(seed)
        item = dataset[0]
        assert item["label"].shape == hw and item["image"].shape == (3, *hw) and item["instance"].shape == hw
        label = item["label"].numpy()
        assert set(np.unique(label)) <= set(np.unique(original))  # nearest: no blended or new ids
        _check_aligned(item)
        flips.add(bool(label[0, 0] % 8 > label[0, -1] % 8))  # columns decrease left to right: flipped
        if "crop" not in mode:
            # Nothing random but the flip: the label is exactly PIL's nearest resize of the file.
            size = dataset.preprocess.resized_size((W, H))
            expected = np.asarray(Image.fromarray(original).resize(size, Image.NEAREST)).astype(np.int64)
            assert np.array_equal(label, expected) or np.array_equal(label, expected[:, ::-1])
    assert flips == {True, False}


def test_scale_width_and_crop(grid):
    sample, _ = grid
    dataset = _dataset(sample, mode="scale_width_and_crop", load_size=40, crop_size=24, flip=False)
    random.seed(0)
    item = dataset[0]
    assert item["label"].shape == (24, 24)
    _check_aligned(item)
    # 80x48 scaled to width 40 is 24 high: a 32 crop would need padding, which would invent class-0 pixels.
    too_big = _dataset(sample, mode="scale_width_and_crop", load_size=40, crop_size=32)
    with pytest.raises(DatasetError, match=r"x.png: 80x48 becomes 40x24 .* smaller than crop_size 32"):
        too_big[0]


def test_crops_cover_the_whole_allowed_range_and_flip_off_means_never(grid):
    sample, original = grid
    dataset = _dataset(sample, mode="crop", crop_size=32, flip=False)
    corners = set()
    for seed in range(40):
        random.seed(seed)
        label = dataset[0]["label"].numpy()
        # Locate the crop in the original: it is an exact sub-array (no resize in mode crop).
        matches = [(y, x) for y in range(H - 31) for x in range(W - 31) if np.array_equal(original[y : y + 32, x : x + 32], label)]
        assert matches, "crop is not a sub-array of the label map"
        corners.add(matches[0])
    assert len(corners) > 5 and all(0 <= y <= H - 32 and 0 <= x <= W - 32 for y, x in corners)


def test_same_seed_same_draw(grid):
    sample, _ = grid
    dataset = _dataset(sample, mode="resize_and_crop", load_size=60, crop_size=32)
    random.seed(3)
    first = dataset[0]
    random.seed(3)
    again = dataset[0]
    assert all(np.array_equal(first[k].numpy(), again[k].numpy()) for k in ("image", "label", "instance"))


def test_option_validation_and_tiny_inputs():
    with pytest.raises(ValueError, match="unknown preprocess mode"):
        Preprocess("zoom")
    with pytest.raises(ValueError, match="load_size 200 must be >= crop_size 256"):
        Preprocess("resize_and_crop", load_size=200, crop_size=256)
    # The official 'none' would round a 10-pixel side to 0; never below 32 here.
    assert Preprocess("none").output_size((10, 100)) == (32, 96)
    # Official rounding: halves go to the even multiple (Python's round).
    assert Preprocess("none").output_size((48, 112)) == (64, 128)
    assert Preprocess("scale_shortside", load_size=64).output_size((64, 100)) == (64, 100)  # already right


def test_image_tensor_range():
    image = Image.fromarray(np.array([[[0, 255, 51]]], np.uint8))
    assert image_to_tensor(image).flatten().tolist() == pytest.approx([-1.0, 1.0, 51 / 127.5 - 1])
