"""Label maps as each dataset stores them (issue #19): checkpoints record their training data's label
encoding, and `gaugan synthesize` / the `Synthesizer` read the dataset's own files exactly as the
training loader does. Real files from ../shared/data: COCO-Stuff (255 = unlabeled), ADE20K (0 =
unlabeled, 1..150 = classes)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from gaugan.cli import main
from gaugan.data import build_dataset
from gaugan.data.transforms import resize_ids
from gaugan.labels import LabelEncoding, LabelSet, LabelValueError
from gaugan.models import CLADEGenerator, CLADEGeneratorConfig, GauGAN
from gaugan.pipeline import LabelMapError, Synthesizer
from gaugan.semantics import semantic_input

ADE = LabelEncoding(first_value=1, dontcare_values=(0,))
THREE = LabelSet(names=("a", "b", "c"), colors=((1, 1, 1), (2, 2, 2), (3, 3, 3)), dontcare=True, dataset="toy")


def tiny_checkpoint(path, labels: LabelSet, size: int = 64):
    """A random-weight CLADE generator (ngf 8) over ``labels``, square ``size``."""
    torch.manual_seed(0)
    generator = CLADEGenerator(CLADEGeneratorConfig(semantic_channels=labels.semantic_channels, ngf=8, width=size,
                                                    edge_channel=labels.instance))
    GauGAN(generator, labels, None).save_pretrained(path)
    return path


def test_an_encoding_decodes_encodes_and_names_unknown_values():
    stored = np.array([[0, 1, 2], [3, 0, 1]])
    ids = ADE.decode(stored, THREE, "f.png")
    assert ids.tolist() == [[3, 0, 1], [2, 3, 0]]  # 0 -> don't care (3), k + 1 -> k
    assert np.array_equal(ADE.encode(ids, THREE), stored)
    with pytest.raises(LabelValueError, match=r"f.png: label values not in toy \(valid: 1..3, or 0 for don't care\): 4 \(1 px\), 9 \(2 px\)"):
        ADE.decode(np.array([[4, 9, 9, 1]]), THREE, "f.png")
    identity = LabelEncoding.model_ids(THREE)
    assert identity == LabelEncoding(0, (3,)) and identity.is_model_ids(THREE) and not ADE.is_model_ids(THREE)
    assert np.array_equal(identity.decode(ids, THREE), ids)
    with pytest.raises(ValueError, match="model ids must be 0..3"):
        ADE.encode(np.array([[4]]), THREE)


def test_the_label_set_carries_its_encoding_through_json_and_equality_ignores_it():
    labels = LabelSet(THREE.names, THREE.colors, dontcare=True, dataset="toy", encoding=ADE)
    data = labels.to_dict()
    assert data["encoding"] == {"first_value": 1, "dontcare_values": [0]}
    assert LabelSet.from_dict(json.loads(json.dumps(data))).encoding == ADE
    assert "encoding" not in THREE.to_dict() and LabelSet.from_dict(THREE.to_dict()).encoding is None
    assert labels == THREE  # the same classes stored two ways: init_from and evaluate still match them
    with pytest.raises(ValueError, match="unknown label encoding fields"):
        LabelSet.from_dict({**data, "encoding": {"first_value": 1, "offset": 2}})


def test_every_builtin_dataset_records_how_it_stores_ids(shared_data):
    found = {
        "coco-stuff": build_dataset("coco-stuff", shared_data / "coco_stuff_sample", "val").labels.encoding,
        "ade20k": build_dataset("ade20k", shared_data / "ade20k_sample", "val").labels.encoding,
        "camvid": build_dataset("camvid", shared_data / "camvid", "val").labels.encoding,
        "labelmefacade": build_dataset("labelmefacade", shared_data / "labelmefacade", "test").labels.encoding,
    }
    assert found == {
        "coco-stuff": LabelEncoding(0, (255,)),
        "ade20k": LabelEncoding(1, (0,)),
        "camvid": LabelEncoding(0, (11,)),
        "labelmefacade": LabelEncoding(0, ()),  # colour-coded: one-channel files for it hold model ids
    }


def test_a_coco_stuff_label_with_255_synthesizes_with_255_as_dont_care(shared_data, tmp_path, one_thread):
    dataset = build_dataset("coco-stuff", shared_data / "coco_stuff_sample", "val", instances=False)
    checkpoint = tiny_checkpoint(tmp_path / "coco", dataset.labels)
    label_file = shared_data / "coco_stuff_sample" / "val_label" / "000000000139.png"
    stored = np.asarray(Image.open(label_file), np.int64)
    assert (stored == 255).any()

    synth = Synthesizer.from_pretrained(checkpoint)
    ids = synth.label_ids(Image.open(label_file), str(label_file))
    assert np.array_equal(ids.numpy(), np.where(stored == 255, 182, stored))
    onehot = semantic_input(ids[None], synth.labels)[0]
    assert onehot.shape[0] == 183 and torch.equal(onehot[182].bool(), torch.from_numpy(stored == 255))

    assert main(["synthesize", str(checkpoint), str(label_file), "-o", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "000000000139_seed0.png").is_file()
    # Read as model ids (the old behaviour) the same file is refused, and nothing is written.
    assert main(["synthesize", str(checkpoint), str(label_file), "-o", str(tmp_path / "raw"), "--label-encoding", "model"]) == 1
    assert not list((tmp_path / "raw").glob("*.png"))


def test_an_ade20k_annotation_gives_exactly_the_training_loaders_input(shared_data, tmp_path, one_thread):
    size = 64
    dataset = build_dataset("ade20k", shared_data / "ade20k_sample", "val", preprocess="fixed", crop_size=size,
                            aspect_ratio=1.0, flip=False)
    synth = Synthesizer.from_pretrained(tiny_checkpoint(tmp_path / "ade", dataset.labels, size))
    assert synth.labels.encoding == ADE  # recorded in config.json by the checkpoint
    for index, sample in enumerate(dataset.samples):
        loader = dataset.semantic_input(dataset[index])  # (1, 151, 64, 64)
        painted = semantic_input(synth._prepare(synth.label_ids(Image.open(sample.label), str(sample.label)))[None], synth.labels)
        assert torch.equal(painted, loader), sample.label.name
        # What the synthesizer did before the record: the stored values taken as ids, one class off.
        raw = semantic_input(synth._prepare(synth.label_ids(Image.open(sample.label), label_encoding="model"))[None], synth.labels)
        assert not torch.equal(raw, loader)


def test_a_stored_value_outside_the_encoding_is_refused_naming_the_file(tmp_path, capsys):
    labels = LabelSet(THREE.names, THREE.colors, dontcare=True, dataset="toy", encoding=ADE)
    checkpoint = tiny_checkpoint(tmp_path / "toy", labels, size=32)
    stored = np.ones((32, 32), np.uint8)
    stored[:4, :4] = 7
    bad = tmp_path / "bad.png"
    Image.fromarray(stored).save(bad)
    with pytest.raises(LabelMapError, match=r"bad.png: label values not in toy \(valid: 1..3, or 0 for don't care\): 7 \(16 px\)"):
        Synthesizer.from_pretrained(checkpoint).label_ids(Image.open(bad), str(bad))
    capsys.readouterr()
    assert main(["synthesize", str(checkpoint), str(bad), "-o", str(tmp_path / "out")]) == 1
    assert "bad.png: label values not in toy" in capsys.readouterr().err
    assert not list((tmp_path / "out").glob("*.png"))


def test_a_checkpoint_without_the_record_reads_ids_as_before(tmp_path):
    checkpoint = tiny_checkpoint(tmp_path / "old", THREE, size=32)
    config = json.loads((checkpoint / "config.json").read_text())
    assert "encoding" not in config["labels"]  # as checkpoints written before the record
    synth = Synthesizer.from_pretrained(checkpoint)
    ids = np.array([[0, 1], [2, 3]], np.uint8)
    for encoding in ("dataset", "model"):
        assert np.array_equal(synth.label_ids(Image.fromarray(ids), label_encoding=encoding).numpy(), ids)
    with pytest.raises(LabelMapError, match="class id 4 is outside 0..3"):
        synth.label_ids(Image.fromarray(np.full((2, 2), 4, np.uint8)))
    with pytest.raises(ValueError, match="label_encoding must be one of dataset, model"):
        Synthesizer.from_pretrained(checkpoint, label_encoding="ade")


@pytest.mark.parametrize("source, target", [((300, 400), (48, 64)), ((427, 640), (192, 256)), ((26, 26), (22, 22)), ((40, 30), (96, 72))])
def test_resize_ids_is_the_training_loaders_resize(source, target):
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 200, source)
    (h, w) = target
    pil = np.asarray(Image.fromarray(ids.astype(np.int32)).resize((w, h), Image.NEAREST))  # what the loader's transforms call
    assert np.array_equal(resize_ids(ids, target), pil)
    # torch's "nearest" samples other rows/columns at these ratios: the reason the painter and
    # `gaugan synthesize` no longer use it for a label map's own resize.
    as_torch = torch.nn.functional.interpolate(torch.from_numpy(ids)[None, None].float(), size=target, mode="nearest")[0, 0]
    assert not np.array_equal(resize_ids(ids, target), as_torch.long().numpy())
