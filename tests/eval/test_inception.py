import pytest
import torch

from gaugan.eval.inception import FIDInceptionV3, InceptionWeightsMissing


def test_fid_inception_has_the_standard_size():
    # torchvision's Inception3 without AuxLogits and fc: 21,785,568 parameters.
    assert sum(p.numel() for p in FIDInceptionV3().parameters()) == 21_785_568


def test_loads_the_weight_file_and_gives_2048_features(random_weight_file):
    model = FIDInceptionV3.from_file(random_weight_file)
    reference = torch.load(random_weight_file, weights_only=True)
    assert torch.equal(model.Mixed_7c.branch_pool.conv.weight, reference["Mixed_7c.branch_pool.conv.weight"])
    images = torch.stack([torch.zeros(3, 64, 80), torch.ones(3, 64, 80)])  # black, white
    features = model(images)
    assert features.shape == (2, 2048)
    assert (features >= 0).all()  # after ReLU and average pooling
    # Untrained BN statistics shrink activations, so compare relative to their scale.
    assert (features[0] - features[1]).abs().max() > 0.1 * features.abs().max() > 0
    assert not model.train().training


def test_missing_or_wrong_weights_say_what_is_needed(tmp_path, monkeypatch):
    monkeypatch.delenv("GAUGAN_INCEPTION_WEIGHTS", raising=False)
    with pytest.raises(InceptionWeightsMissing, match="pt_inception-2015-12-05-6726825d.pth"):
        FIDInceptionV3.from_file(tmp_path / "nope.pth")
    wrong = tmp_path / "wrong.pth"
    torch.save({"conv.weight": torch.zeros(1)}, wrong)
    with pytest.raises(ValueError, match="is not pytorch-fid's Inception weights"):
        FIDInceptionV3.from_file(wrong)
