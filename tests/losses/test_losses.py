import os

import pytest
import torch

from gaugan.losses import VGGLoss, feature_matching_loss, gan_loss, kld_loss
from gaugan.nn.vgg19 import VGG19Features, VGG19WeightsMissing, resolve_vgg19_weights


def test_hinge_loss_values_on_known_logits():
    logits = torch.tensor([2.0, 0.5, -3.0])
    # D on real: mean(relu(1 - x)) = (0 + 0.5 + 4) / 3
    assert gan_loss(logits, True, True, "hinge").item() == pytest.approx(4.5 / 3)
    # D on fake: mean(relu(1 + x)) = (3 + 1.5 + 0) / 3
    assert gan_loss(logits, False, True, "hinge").item() == pytest.approx(4.5 / 3)
    # G: -mean(x) = -(2 + 0.5 - 3) / 3
    assert gan_loss(logits, True, False, "hinge").item() == pytest.approx(0.5 / 3)
    with pytest.raises(ValueError, match="target_is_real=True"):
        gan_loss(logits, False, False, "hinge")


def test_ls_and_original_losses_and_unknown_mode():
    logits = torch.tensor([0.0, 2.0])
    assert gan_loss(logits, True, True, "ls").item() == pytest.approx((1 + 1) / 2)
    assert gan_loss(logits, False, True, "ls").item() == pytest.approx((0 + 4) / 2)
    expected = torch.nn.functional.softplus(-logits).mean().item()
    assert gan_loss(logits, True, False, "original").item() == pytest.approx(expected)
    with pytest.raises(ValueError, match="unknown GAN loss mode 'wgan'"):
        gan_loss(logits, True, True, "wgan")


def test_gan_loss_averages_scales_using_only_the_logits():
    scale1 = [torch.full((1, 4, 2, 2), 100.0), torch.full((1, 1, 2, 2), 3.0)]
    scale2 = [torch.full((1, 4, 2, 2), -100.0), torch.full((1, 1, 1, 1), 1.0)]
    assert gan_loss([scale1, scale2], True, False).item() == pytest.approx(-(3.0 + 1.0) / 2)


def test_feature_matching_is_zero_for_equal_features_and_l1_otherwise():
    real = [[torch.ones(1, 2, 2, 2), torch.zeros(1, 3, 1, 1), torch.zeros(1, 1, 1, 1)]]
    fake = [[torch.ones(1, 2, 2, 2) * 3, torch.zeros(1, 3, 1, 1), torch.ones(1, 1, 1, 1) * 50]]
    assert feature_matching_loss(real, real).item() == 0
    # Logits (last entry) are ignored; first layer differs by 2 everywhere.
    assert feature_matching_loss(fake, real).item() == pytest.approx(2.0)


def test_feature_matching_gradient_reaches_only_fake():
    real = [[torch.ones(1, 2, 2, 2, requires_grad=True), torch.zeros(1, 1, 1, 1)]]
    fake = [[torch.zeros(1, 2, 2, 2, requires_grad=True), torch.zeros(1, 1, 1, 1)]]
    feature_matching_loss(fake, real).backward()
    assert fake[0][0].grad is not None and real[0][0].grad is None


def test_kld_is_zero_for_standard_normal_and_matches_closed_form():
    assert kld_loss(torch.zeros(2, 4), torch.zeros(2, 4)).item() == 0
    mu, logvar = torch.tensor([[1.0]]), torch.tensor([[0.0]])
    assert kld_loss(mu, logvar).item() == pytest.approx(0.5)
    logvar = torch.tensor([[2.0]])
    assert kld_loss(torch.zeros(1, 1), logvar).item() == pytest.approx(-0.5 * (1 + 2 - torch.e**2))


def test_vgg_loss_without_weights_says_which_file_is_needed(tmp_path, monkeypatch):
    monkeypatch.delenv("GAUGAN_VGG19_WEIGHTS", raising=False)
    missing = tmp_path / "nope.pth"
    with pytest.raises(VGG19WeightsMissing) as err:
        VGGLoss(weights=missing)
    message = str(err.value)
    assert "vgg19-dcbb9e9d.pth" in message and str(missing) in message and "GAUGAN_VGG19_WEIGHTS" in message


@pytest.fixture
def fake_torchvision_vgg19(tmp_path):
    """A VGG19 state dict in torchvision's key layout (random weights, plus the classifier keys)."""
    torch.manual_seed(0)
    state = VGG19Features().state_dict()
    # torchvision's file also has conv5_2..5_4 and the classifier; the loader must ignore them.
    state["features.30.weight"] = torch.randn(512, 512, 3, 3)
    state["classifier.0.weight"] = torch.randn(8, 8)
    path = tmp_path / "vgg19-dcbb9e9d.pth"
    torch.save(state, path)
    return path


def test_vgg_loss_loads_torchvision_format_and_behaves(fake_torchvision_vgg19, monkeypatch):
    monkeypatch.setenv("GAUGAN_VGG19_WEIGHTS", str(fake_torchvision_vgg19))
    assert resolve_vgg19_weights() == fake_torchvision_vgg19
    loss = VGGLoss()
    reference = torch.load(fake_torchvision_vgg19, weights_only=True)
    assert torch.equal(loss.vgg.features[28].weight, reference["features.28.weight"])
    torch.manual_seed(1)
    real = torch.rand(1, 3, 32, 32) * 2 - 1
    assert loss(real, real).item() == 0
    fake = (real + 0.3 * torch.randn_like(real)).requires_grad_(True)
    value = loss(fake, real)
    assert value.item() > 0
    value.backward()
    assert fake.grad.abs().sum() > 0
    assert all(p.grad is None for p in loss.vgg.parameters())  # VGG stays frozen
    assert not loss.train().vgg.training


def test_vgg_loader_rejects_a_file_that_is_not_vgg19(tmp_path):
    path = tmp_path / "other.pth"
    torch.save({"features.0.weight": torch.zeros(3, 3, 3, 3)}, path)
    with pytest.raises(ValueError, match="not a torchvision VGG19 state dict"):
        VGG19Features.from_file(path)
    junk = tmp_path / "junk.pth"
    junk.write_bytes(os.urandom(64))
    with pytest.raises(ValueError, match="not a loadable VGG19 state dict"):
        VGG19Features.from_file(junk)
