"""OASIS in training: --set generator=oasis --set discriminator=oasis trains, resumes, exports and paints."""

import json

import numpy as np
import pytest
import torch
from train_helpers import ToyPairs

from gaugan.cli import main
from gaugan.models import GauGAN
from gaugan.pipeline import Synthesizer
from gaugan.train import TrainConfig, Trainer


def _toy_config(tmp_path, name, **changes):
    values = dict(
        generator="oasis", discriminator="oasis", ngf=8, ndf=8, crop_size=32, spade_hidden=16, oasis_g_blocks=4,
        oasis_d_blocks=5, noise_dim=8, use_vgg=False, lambda_feat=0, batch_size=2, iterations=4, checkpoint_every=100,
        output_dir=str(tmp_path / name), tensorboard=False, seed=3, ema_decay=0.9,
    )
    values.update(changes)
    return TrainConfig(**values)


def test_a_short_real_data_run_teaches_the_segmentation_discriminator(tmp_path, shared_data, one_thread):
    config = TrainConfig(
        dataset="labelmefacade", dataroot=str(shared_data / "labelmefacade"), max_samples=16, load_size=72, crop_size=64,
        generator="oasis", discriminator="oasis", ngf=8, ndf=16, spade_hidden=16, oasis_g_blocks=4, oasis_d_blocks=4,
        use_vgg=False, lambda_feat=0, batch_size=4, lr=0.0005, beta2=0.999, iterations=30, checkpoint_every=1000,
        output_dir=str(tmp_path / "run"), tensorboard=False, ema_decay=None,
    )
    trainer = Trainer(config, show_progress=False)
    batches = [b for _, b in zip(range(4), trainer._loader(-1, 0))]

    def class_accuracy() -> float:
        """Mean over present classes of the share of their real pixels D labels with the right class."""
        hits, counts = torch.zeros(9), torch.zeros(9)
        with torch.no_grad():
            for b in batches:
                predicted = trainer.discriminator(b["image"])[:, 1:].argmax(1)  # channel 0 is "fake"
                for c in range(9):
                    inside = b["label"] == c
                    counts[c] += inside.sum()
                    hits[c] += (predicted[inside] == c).sum()
        present = counts > 0
        return float((hits[present] / counts[present]).mean())

    before = class_accuracy()
    losses = trainer.fit()
    after = class_accuracy()
    assert set(losses) == {"G_GAN", "D_fake", "D_real", "D_labelmix"}
    assert after > before + 0.05, (before, after)  # measured: 0.08 -> 0.20


def test_an_oasis_run_resumes_bit_identically(tmp_path, one_thread):
    straight = Trainer(_toy_config(tmp_path, "straight"), ToyPairs(n=8), show_progress=False)
    straight.fit()
    first = Trainer(_toy_config(tmp_path, "resumed"), ToyPairs(n=8), show_progress=False)
    first.fit(max_steps=2)
    second = Trainer(_toy_config(tmp_path, "resumed"), ToyPairs(n=8), resume=True, show_progress=False)
    second.fit()
    assert straight.history[2:] == second.history  # LabelMix coins and 3D noise come from the restored RNG
    for a, b in ((straight.generator, second.generator), (straight.discriminator, second.discriminator)):
        assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


def test_an_oasis_checkpoint_paints_with_seeds_and_says_what_it_cannot_do(tmp_path, capsys, one_thread):
    trainer = Trainer(_toy_config(tmp_path, "run"), ToyPairs(n=8), show_progress=False)
    trainer.fit()
    model = GauGAN.from_pretrained(tmp_path / "run" / "final")
    assert model.takes_noise and model.latent_dim == 8
    synth = Synthesizer(model)
    assert synth.backend == "torch"  # no fast path for OASIS: auto picks the reference
    ids = ToyPairs(n=1).label[0].numpy()
    a, b, again = (np.asarray(synth(ids, seed=s), dtype=np.int16) for s in (0, 1, 0))
    assert np.abs(a - b).mean() > 0.5 and np.array_equal(a, again)  # seeds pick the 3D noise
    with pytest.raises(ValueError, match="backend 'fast' is for SPADE and CLADE"):
        Synthesizer(model, backend="fast")
    assert main(["export", str(tmp_path / "run" / "final"), "-o", str(tmp_path / "onnx")]) != 0
    assert "OASIS generators are not exported to ONNX" in capsys.readouterr().err
    assert json.loads((tmp_path / "run" / "final" / "config.json").read_text())["generator"]["type"] == "oasis_generator"


def test_oasis_settings_are_checked():
    with pytest.raises(ValueError, match="3D noise, not a style encoder"):
        TrainConfig(generator="oasis", use_vae=True)
    with pytest.raises(ValueError, match="discriminator must be one of multiscale, oasis"):
        TrainConfig(discriminator="patch")


@pytest.mark.parametrize(
    "preset, g_expected, d_expected",
    [  # boschresearch/OASIS's networks for each dataset, counted (tests/test_oasis.py)
        ("ade20k-oasis", 74_314_691, 22_258_904),
        ("cityscapes-oasis", 71_107_523, 22_251_364),
        ("coco-stuff-oasis", 75_199_427, 22_260_984),
    ],
)
def test_oasis_presets_build_the_official_networks(preset, g_expected, d_expected):
    from dataclasses import replace

    from gaugan.data.labelsets import load_labelset
    from gaugan.models import build_model
    from gaugan.summary import count_parameters
    from gaugan.train.config import resolve_config
    from gaugan.train.models import discriminator_config, generator_config

    config = resolve_config(preset=preset)
    labels = load_labelset(config.dataset)
    if not config.instances:
        labels = replace(labels, instance=False)
    assert count_parameters(build_model(generator_config(config, labels))) == g_expected
    assert count_parameters(build_model(discriminator_config(config, labels))) == d_expected
    assert (config.use_vgg, config.lambda_feat, config.beta2, config.decay_epochs) == (False, 0.0, 0.999, 0)


def test_instances_false_drops_the_boundary_channel_on_real_coco_stuff(tmp_path, shared_data):
    from gaugan.train.data import build_training_dataset

    root = str(shared_data / "coco_stuff_sample")
    common = dict(dataset="coco-stuff", dataroot=root, split="val", preprocess="fixed",
                  crop_size=64, load_size=64, flip=False, output_dir=str(tmp_path))
    with_edges = build_training_dataset(TrainConfig(**common))
    without = build_training_dataset(TrainConfig(**common, instances=False))
    assert (with_edges.labels.semantic_channels, without.labels.semantic_channels) == (184, 183)
    assert "instance" in with_edges[0] and "instance" not in without[0]
    np.testing.assert_array_equal(with_edges[0]["label"], without[0]["label"])


def test_an_oasis_run_trains_in_bf16_and_starts_from_another_oasis_run(tmp_path, one_thread):
    first = Trainer(_toy_config(tmp_path, "bf16", precision="bf16", iterations=2), ToyPairs(n=4), show_progress=False)
    losses = first.fit()
    assert all(np.isfinite(v) for v in losses.values())
    follow = Trainer(_toy_config(tmp_path, "follow", init_from=str(tmp_path / "bf16" / "final")), ToyPairs(n=4), show_progress=False)
    exported = GauGAN.from_pretrained(tmp_path / "bf16" / "final").generator.state_dict()
    started = follow.generator.state_dict()
    # The new run's generator is the exported one, tensor for tensor, before its first step.
    assert started.keys() == exported.keys()
    assert all(torch.equal(started[k], exported[k].to(started[k].dtype)) for k in exported)


def _oasis_ddp_worker(rank, port, output_dir):
    import os

    import torch.distributed as dist

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE="2", LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    try:
        trainer = Trainer(_toy_config(output_dir, "ddp", iterations=2, checkpoint_every=1000), ToyPairs(n=8), show_progress=False)
        assert trainer.dist.world_size == 2
        trainer.fit()
        state = {f"G.{k}": v for k, v in trainer.generator.state_dict().items()}
        state.update({f"D.{k}": v for k, v in trainer.discriminator.state_dict().items()})
        torch.save(state, output_dir / f"rank{rank}.pt")
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def test_two_gloo_processes_train_oasis_in_step(tmp_path):
    import socket

    import torch.multiprocessing as mp

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mp.spawn(_oasis_ddp_worker, args=(port, tmp_path), nprocs=2, join=True)
    ranks = [torch.load(tmp_path / f"rank{r}.pt") for r in range(2)]  # written by this test: not user files
    initial = Trainer(_toy_config(tmp_path, "initial"), ToyPairs(n=8), show_progress=False)
    start = {f"G.{k}": v for k, v in initial.generator.state_dict().items()}
    # Both ranks hold the same weights after two synchronised steps, and they moved.
    assert all(torch.equal(ranks[0][k], ranks[1][k]) for k in ranks[0])
    assert any(not torch.equal(ranks[0][k], start[k]) for k in start if k.endswith("weight"))


def test_the_painter_serves_an_oasis_checkpoint_and_its_seed_picks_the_noise(tmp_path, one_thread):
    import io

    from fastapi.testclient import TestClient
    from PIL import Image

    from gaugan.app import create_app

    Trainer(_toy_config(tmp_path, "run"), ToyPairs(n=8), show_progress=False).fit()
    ids = ToyPairs(n=1).label[0].numpy().astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(ids).save(buffer, format="PNG")

    with TestClient(create_app(Synthesizer.from_pretrained(tmp_path / "run" / "final"), warm_up=False)) as client:
        assert client.get("/api/model").json()["has_encoder"] is False

        def paint(seed):
            response = client.post("/api/synthesize", files={"label_map": ("l.png", buffer.getvalue(), "image/png")},
                                   data={"seed": str(seed)})
            assert response.status_code == 200, response.text[:300]
            return np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB"), np.int16)

        a, b, again = paint(0), paint(1), paint(0)
    assert a.shape == (32, 32, 3)
    assert np.abs(a - b).mean() > 0.5 and np.array_equal(a, again)
