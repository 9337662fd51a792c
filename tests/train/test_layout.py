"""Channels-last training (gaugan.train.layout): the same function, gradients and optimizer steps as NCHW,
with the generator's head NCHW and every other conv channels-last."""

import copy
import json

import pytest
import torch

from gaugan.labels import LabelSet
from gaugan.models.generator import HEAD_BLOCKS
from gaugan.nn.memory_layout import is_channels_last
from gaugan.train import TrainConfig, Trainer
from gaugan.train import layout
from model_helpers import random_semantics, tiny_generator
from train_helpers import ToyPairs

pytestmark = pytest.mark.usefixtures("one_thread")

LABELS = LabelSet(names=("a", "b", "c", "d"), colors=((1, 1, 1),) * 4, dontcare=True, instance=True)


def relative_error(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max() / b.abs().max())  # of detached tensors


@pytest.mark.parametrize("overrides", [{}, {"use_vae": True, "z_dim": 8}], ids=["labels-in", "z-in"])
def test_a_laid_out_generator_computes_the_same_picture_and_gradients_with_its_head_in_nchw(overrides):
    # In float64, so that the comparison measures the layouts, not float32 rounding in these tiny
    # train-mode models (see test_label_lookup). The head blocks' convs must see NCHW inputs and NCHW
    # output gradients (channels-last is what makes such weight-bound convs slow), the rest channels-last.
    nchw = tiny_generator(LABELS, warm=False, width=64, **overrides).double()
    nchw.label_lookup = True
    laid_out = copy.deepcopy(nchw)
    layout.lay_out([laid_out], channels_last=True)
    seen = {}

    def record(name):
        def forward_hook(module, inputs, output):
            seen.setdefault(name, set()).add(("input", is_channels_last(inputs[0])))

        def backward_hook(module, grad_input, grad_output):
            seen.setdefault(name, set()).add(("grad", is_channels_last(grad_output[0])))

        return forward_hook, backward_hook

    for name, module in laid_out.named_modules():
        if name.rsplit(".", 1)[-1] in ("conv_0", "conv_1"):  # the residual blocks' convs
            forward_hook, backward_hook = record(name)
            module.register_forward_hook(forward_hook)
            module.register_full_backward_hook(backward_hook)
    h, w = nchw.config.output_size
    semantics = random_semantics(LABELS, n=2, h=h, w=w, seed=3).double()
    z = torch.randn(2, 8, dtype=torch.float64) if nchw.config.use_vae else None
    target = torch.randn(2, 3, h, w, dtype=torch.float64)
    outputs = []
    for generator in (nchw, laid_out):
        out = generator(semantics, z=z) if z is not None else generator(semantics)
        ((out - target) ** 2).mean().backward()
        outputs.append(out.detach())
    assert outputs[0].abs().mean() > 0.05 and relative_error(outputs[1], outputs[0]) < 1e-10
    largest = max(float(p.grad.abs().max()) for p in nchw.parameters())
    for (name, p_ref), (_, p_laid) in zip(nchw.named_parameters(), laid_out.named_parameters()):
        # Relative to the largest gradient: the biases before a batch norm have a zero gradient.
        assert float((p_laid.grad - p_ref.grad).abs().max()) < 1e-10 * largest, name
        in_head = name.split(".")[0] in (*HEAD_BLOCKS, "fc")
        if p_laid.ndim == 4 and p_laid.shape[-1] > 1 and p_laid.shape[1] > 1:
            assert is_channels_last(p_laid) == (not in_head), name
            assert is_channels_last(p_laid.grad) == (not in_head), name  # Adam pairs like with like
        elif p_laid.ndim == 4:  # 1 x 1 kernels keep standard strides, as their gradients have (DDP's buckets)
            assert p_laid.stride() == p_ref.stride() and p_laid.grad.stride() == p_laid.stride(), name
    head = {name: kinds for name, kinds in seen.items() if name.split(".")[0] in HEAD_BLOCKS}
    rest = {name: kinds for name, kinds in seen.items() if name.split(".")[0] not in HEAD_BLOCKS}
    assert head and all(kinds == {("input", False), ("grad", False)} for kinds in head.values()), head
    assert rest and all(kinds == {("input", True), ("grad", True)} for kinds in rest.values()), rest


def test_auto_is_channels_last_on_avx512_cpus_only_and_a_setting_wins(monkeypatch):
    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    for capability, expected in (("AVX512", True), ("AVX2", False), ("DEFAULT", False)):
        monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda capability=capability: capability)
        assert layout.resolve_channels_last(None, cpu) is expected
        assert layout.resolve_channels_last(True, cpu) is True and layout.resolve_channels_last(False, cpu) is False
    assert layout.resolve_channels_last(None, cuda) is False
    assert TrainConfig().channels_last is None
    with pytest.raises(ValueError, match="channels_last must be true, false or null .auto., got 'yes'"):
        TrainConfig(channels_last="yes")


def test_optimizer_state_from_a_checkpoint_is_laid_out_like_its_parameters():
    # A checkpoint stores Adam's moments contiguous; on a channels-last parameter the next fused step
    # must equal the NCHW run's.
    torch.manual_seed(0)
    start, grads = torch.randn(8, 6, 3, 3), [torch.randn(8, 6, 3, 3) for _ in range(2)]

    def two_steps(channels_last: bool, restore) -> torch.Tensor:
        memory = torch.channels_last if channels_last else torch.contiguous_format
        parameter = torch.nn.Parameter(start.clone().contiguous(memory_format=memory))
        optimizer = torch.optim.Adam([parameter], lr=0.1, fused=True)
        parameter.grad = grads[0].contiguous(memory_format=memory)
        optimizer.step()
        saved = optimizer.state_dict()
        saved["state"][0] = {k: v.contiguous() if torch.is_tensor(v) else v for k, v in saved["state"][0].items()}
        optimizer = torch.optim.Adam([parameter], lr=0.1, fused=True)
        optimizer.load_state_dict(saved)
        restore(optimizer)
        parameter.grad = grads[1].contiguous(memory_format=memory)
        optimizer.step()
        return parameter.detach()

    expected = two_steps(False, lambda optimizer: None)
    got = two_steps(True, layout.match_optimizer_state)
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-7)


@pytest.mark.parametrize("capability, expected", [("AVX512", True), ("AVX2", False)])
def test_a_run_resolves_auto_says_so_and_lays_its_generator_out(tmp_path, monkeypatch, capsys, capability, expected):
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: capability)
    config = TrainConfig(ngf=8, ndf=8, crop_size=32, use_vgg=False, batch_size=2, iterations=1, checkpoint_every=1,
                         output_dir=str(tmp_path / "run"), tensorboard=False)
    trainer = Trainer(config, ToyPairs(n=2), show_progress=True)
    assert f"channels_last auto -> {str(expected).lower()} (CPU capability {capability};" in capsys.readouterr().err
    generator = trainer.generator
    assert is_channels_last(generator.up_0.conv_0.parametrizations.weight.original) is expected
    assert not is_channels_last(generator.head_0.conv_0.parametrizations.weight.original)
    trainer.fit()
    assert trainer.step == 1
    assert json.loads((tmp_path / "run" / "train_config.json").read_text())["channels_last"] is None
