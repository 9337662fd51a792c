"""SyncBatchNorm2d under torch.distributed (gloo, 2 CPU processes) == BatchNorm over the whole batch."""

from __future__ import annotations

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from gaugan.nn import SPADE, SyncBatchNorm2d, convert_to_native_sync_batchnorm


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    model = torch.nn.ModuleDict(
        {"conv": torch.nn.Conv2d(3, 4, 3, padding=1), "bn": SyncBatchNorm2d(4), "spade": SPADE(4, 2, "syncbatch", 3, 8)}
    )
    torch.nn.init.normal_(model["bn"].weight, 1.0, 0.3)
    return model


def _data() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    x = torch.randn(4, 3, 6, 6, generator=g) * 2 + 3  # far-from-zero mean stresses the statistics
    seg = torch.rand(4, 2, 6, 6, generator=g)
    return x, seg


def _run(model: torch.nn.Module, x: torch.Tensor, seg: torch.Tensor) -> dict[str, np.ndarray]:
    x = x.clone().requires_grad_(True)
    out = model["spade"](model["bn"](model["conv"](x)), seg)
    weights = torch.linspace(-1, 1, out[0].numel()).view(out[0].shape)
    (out * weights).sum().backward()
    result = {"out": out.detach().numpy(), "x_grad": x.grad.numpy()}
    for name, p in model.named_parameters():
        result["grad." + name] = p.grad.numpy()
    for name, b in model.named_buffers():
        result["buf." + name] = b.numpy().astype(np.float64)
    return result


def _worker(rank: int, world: int, rendezvous: str, out_dir: str) -> None:
    dist.init_process_group("gloo", init_method=f"file://{rendezvous}", rank=rank, world_size=world)
    try:
        torch.set_num_threads(1)
        x, seg = _data()
        per = x.size(0) // world
        result = _run(_model(), x[rank * per : (rank + 1) * per], seg[rank * per : (rank + 1) * per])
        np.savez(f"{out_dir}/rank{rank}.npz", **result)
    finally:
        dist.destroy_process_group()


def test_two_gloo_processes_match_one_process_with_the_whole_batch(tmp_path):
    mp.spawn(_worker, args=(2, str(tmp_path / "rdzv"), str(tmp_path)), nprocs=2, join=True)
    ranks = [dict(np.load(tmp_path / f"rank{r}.npz")) for r in range(2)]
    x, seg = _data()
    single = _run(_model(), x, seg)

    np.testing.assert_allclose(np.concatenate([r["out"] for r in ranks]), single["out"], atol=1e-5)
    np.testing.assert_allclose(np.concatenate([r["x_grad"] for r in ranks]), single["x_grad"], atol=1e-5)
    for key in single:
        if key.startswith("grad."):
            # Each process holds its share of the parameter gradient; DDP would sum them.
            np.testing.assert_allclose(ranks[0][key] + ranks[1][key], single[key], atol=1e-4, err_msg=key)
        if key.startswith("buf."):
            # Running statistics are identical on every process and equal the global ones.
            np.testing.assert_allclose(ranks[0][key], single[key], rtol=1e-5, atol=1e-6, err_msg=key)
            np.testing.assert_allclose(ranks[1][key], single[key], rtol=1e-5, atol=1e-6, err_msg=key)


def test_without_process_group_it_is_plain_batchnorm():
    torch.manual_seed(0)
    sync, plain = SyncBatchNorm2d(3), torch.nn.BatchNorm2d(3)
    x = torch.randn(5, 3, 4, 4)
    assert torch.allclose(sync(x), plain(x), atol=1e-6)
    assert torch.allclose(sync.running_var, plain.running_var)


def test_convert_to_native_keeps_statistics():
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 3, 1), SyncBatchNorm2d(3))
    model[1].running_mean.fill_(0.5)
    converted = convert_to_native_sync_batchnorm(model)
    assert isinstance(converted[1], torch.nn.SyncBatchNorm)
    assert torch.all(converted[1].running_mean == 0.5)
