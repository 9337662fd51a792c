"""The training loop: data -> TrainingStep -> EMA -> logs, samples and checkpoints; resumable.

    trainer = Trainer(config)            # builds data, models, optimisers; joins torchrun's group
    trainer.fit()                        # trains to the end (or max_steps), checkpoints, exports

Rank 0 alone writes logs, samples and checkpoints; every process computes. A run resumed from a
checkpoint continues bit-for-bit on CPU: weights, optimiser moments, EMA, RNG states and the
position in the epoch are all restored (see `batches.py` for the data side).
"""

from __future__ import annotations

import json
import math
import sys
import warnings
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

from gaugan.data.batching import collate_samples
from gaugan.labels import LabelSet
from gaugan.losses import VGGLoss
from gaugan.models import GauGAN, build_model
from gaugan.models.added_layers import addable_fields, with_added_layers
from gaugan.models.checksums import DamagedCheckpoint
from gaugan.models.weights import CheckpointError, load_state_dict_checked
from gaugan.nn.modes import module_mode
from gaugan.semantics import semantic_input
from gaugan.train import checkpoint as ckpt
from gaugan.train.batches import EpochBatchSampler, SeededSamples, epoch_batches, steps_per_epoch
from gaugan.train.config import TrainConfig
from gaugan.train.distributed import all_ranks_agree, barrier, init_distributed, resolve_device
from gaugan.train.layout import lay_out, match_optimizer_state, resolve_channels_last
from gaugan.train.ema import EMA, recompute_batchnorm_statistics, refresh_spectral_vectors
from gaugan.train.models import MODEL_FIELDS, discriminator_config, encoder_config, generator_config
from gaugan.train.optim import lr_factor, make_optimizers, set_learning_rates
from gaugan.train.precision import bf16_is_native, resolve_precision
from gaugan.train.resize_start import SIZE_FIELDS, generator_state_for_size
from gaugan.train.shipped_discriminator import load_discriminator
from gaugan.train.preemption import StopRequests, TrainingStopped
from gaugan.train.rng import capture_rng_state, restore_rng_state
from gaugan.train.samples import sample_grid, save_grid_png, write_samples_page
from gaugan.train.step import StepModules, TrainingStep


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; the last good checkpoint is kept."""


class Trainer:
    """Trains a SPADE-family GAN as `config` says.

    Args:
        config: the run's settings.
        dataset: optional dataset (items: ``label`` (H, W) int64, ``image`` (3, H, W) in [-1, 1],
            optional ``instance`` (H, W)); built from ``config.dataset``/``dataroot`` when None.
        labels: the dataset's `LabelSet` (taken from ``dataset.labels`` when None).
        resume: continue from the newest checkpoint in ``output_dir/checkpoints`` (if any).
    """

    def __init__(
        self,
        config: TrainConfig,
        dataset: Dataset | None = None,
        labels: LabelSet | None = None,
        resume: bool = False,
        show_progress: bool = True,
    ) -> None:
        self.config = config
        self.device = resolve_device(config.device)
        self.dist = init_distributed(self.device)
        if self.device.type == "cuda" and self.dist.enabled:
            self.device = resolve_device(config.device, self.dist.local_rank)
            torch.cuda.set_device(self.device)
        self.precision = resolve_precision(config.precision, self.device, config.discriminator)
        if config.precision == "auto" and show_progress and self.dist.is_main:
            why = ("this CPU has native bf16" if self.precision == "bf16" else "OASIS's discriminator" if config.discriminator == "oasis"
                   else f"no native bf16 on this {self.device.type}")
            print(f"gaugan train: precision auto -> {self.precision} ({why}; --set precision=fp32|bf16 to choose)", file=sys.stderr)
        if config.precision == "bf16" and not bf16_is_native(self.device):
            warnings.warn(
                f"precision bf16 requested, but this {self.device.type} has no native bf16 convolutions "
                f"(CPU capability {torch.backends.cpu.get_cpu_capability()}): training will be much slower "
                "than fp32",
                stacklevel=2,
            )
        self.output_dir = Path(config.output_dir).expanduser()
        self.checkpoint_dir = self.output_dir / "checkpoints"
        self.show_progress = show_progress and self.dist.is_main

        # Before anything slow: a missing VGG weight file should fail in a second, not after a data scan.
        vgg = None
        if config.use_vgg and config.lambda_vgg > 0:
            vgg = VGGLoss(weights=config.vgg_weights, imagenet_normalize=config.vgg_imagenet_normalize).to(self.device)

        if dataset is None:
            from gaugan.train.data import build_training_dataset

            dataset = build_training_dataset(config)
        self.dataset = dataset
        self.labels = labels if labels is not None else dataset.labels  # type: ignore[attr-defined]
        self.steps_per_epoch = steps_per_epoch(len(dataset), config.batch_size * config.grad_accumulation, self.dist.world_size)
        if self.steps_per_epoch == 0:
            raise ValueError(
                f"the dataset has {len(dataset)} samples, fewer than one step's worth "
                f"(batch_size {config.batch_size} x grad_accumulation {config.grad_accumulation} x "
                f"{self.dist.world_size} processes)"
            )
        if config.iterations is not None:
            self.constant_steps, self.decay_steps = config.iterations, config.decay_iterations
        else:
            self.constant_steps = config.epochs * self.steps_per_epoch
            self.decay_steps = config.decay_epochs * self.steps_per_epoch
        self.total_steps = self.constant_steps + self.decay_steps

        # Same seed on every process: identical initial weights without a broadcast.
        torch.manual_seed(config.seed)
        self.generator = build_model(generator_config(config, self.labels)).to(self.device)
        self.discriminator = build_model(discriminator_config(config, self.labels)).to(self.device)
        enc_cfg = encoder_config(config)
        self.encoder = build_model(enc_cfg).to(self.device) if enc_cfg is not None else None
        if config.init_from and not resume:
            self._initialise_from(config.init_from)
        lookup = config.label_lookup if config.label_lookup is not None else self.device.type == "cpu"
        for module in (self.generator, self.discriminator):
            if hasattr(module, "label_lookup"):  # SPADE generators and the discriminator
                module.label_lookup = lookup
        channels_last = resolve_channels_last(config.channels_last, self.device)
        if config.channels_last is None and show_progress and self.dist.is_main:
            why = f"CPU capability {torch.backends.cpu.get_cpu_capability()}" if self.device.type == "cpu" else self.device.type
            print(f"gaugan train: channels_last auto -> {str(channels_last).lower()} ({why}; --set channels_last=true|false to choose)",
                  file=sys.stderr)
        lay_out(self._modules(), channels_last)
        self.ema = EMA(self.generator, config.ema_decay, config.ema_start, config.ema_rampup) if config.ema_decay else None

        g_params = list(self.generator.parameters()) + (list(self.encoder.parameters()) if self.encoder else [])
        self.optimizers = make_optimizers(config, g_params, self.discriminator.parameters())
        self.g_train, self.d_train, self.e_train = self.generator, self.discriminator, self.encoder
        if self.dist.enabled:
            self.g_train, self.d_train = self._ddp(self.generator), self._ddp(self.discriminator)
            self.e_train = self._ddp(self.encoder) if self.encoder is not None else None
        self.step_fn = TrainingStep(
            config,
            StepModules(self.g_train, self.d_train, self.e_train, vgg, self.dist.world_size),
            self.optimizers,
            self.device,
            label_channels=self.labels.num_classes + int(self.labels.dontcare),
            dontcare_id=self.labels.dontcare_id,
        )

        self.step = 0
        self.epoch = 0
        self.batch_in_epoch = 0
        self.last_losses: dict[str, float] = {}
        self.history: list[dict[str, float]] = []
        self.resumed_from: Path | None = None
        if resume:
            self._resume()
        self._writer = None

    def _resume(self) -> None:
        """Load the newest checkpoint that verifies; a damaged one is skipped with a warning naming it."""
        candidates = ckpt.resume_candidates(self.checkpoint_dir)
        for index, candidate in enumerate(candidates):
            try:
                self.load(candidate)
            except DamagedCheckpoint as err:
                remaining = candidates[index + 1:]
                if not remaining:
                    raise CheckpointError(f"no checkpoint in {self.checkpoint_dir} can be resumed: {err}") from None
                if self.dist.is_main:
                    print(f"gaugan train: {candidate.name} is damaged ({err}); resuming from {remaining[0].name}", file=sys.stderr)
                continue
            self.resumed_from = candidate
            return

    # ---- set-up helpers ------------------------------------------------------------------------
    def _initialise_from(self, checkpoint: str) -> None:
        """Copy G (and E) weights from a pretrained checkpoint of the same architecture, and D's when it ships one.

        Another label set is fine-tuning: the class-dependent tensors are rebuilt (`transfer`), the
        run prints which tensors were kept, copied or fresh and writes it to ``init_from.json``.
        """
        from gaugan.default_model import resolve_checkpoint

        directory = resolve_checkpoint(checkpoint)
        source = GauGAN.from_pretrained(directory)
        if (source.encoder is None) != (self.encoder is None):
            raise ValueError(f"init_from {directory}: it has {'an' if source.encoder is not None else 'no'} encoder, this run "
                             f"{'does not' if source.encoder is not None else 'does'} (use_vae)")
        same_labels = source.labels == self.labels
        pairs = [("generator", source.generator, self.generator), ("encoder", source.encoder, self.encoder)]
        for name, loaded, target in pairs:
            # The output size may change (coarse-to-fine: train/resize_start.py), and the label set.
            ignored = SIZE_FIELDS if name == "generator" else ()
            ignored += () if same_labels or name != "generator" else ("semantic_channels",)
            # Zero-initialised layers may be added, not dropped (models/added_layers.py).
            ignored += addable_fields(loaded.config) if loaded is not None else ()
            if loaded is not None and (type(loaded) is not type(target) or any(
                    getattr(loaded.config, k, None) != v for k, v in vars(target.config).items() if k not in ignored)):
                fields = [k for k, v in vars(target.config).items() if k not in ignored and getattr(loaded.config, k, None) != v]
                raise ValueError(f"init_from {directory}: its {name} ({type(loaded).__name__}) differs from this run's "
                                 f"({type(target).__name__}) in {', '.join(fields) or 'its type'}")
        # The checks above leave the size fields (and the classes) as the only differences.
        resized = any(getattr(source.generator.config, k) != getattr(self.generator.config, k) for k in SIZE_FIELDS)
        if resized and not same_labels:
            raise ValueError(f"init_from {directory}: it has another label set and another output size "
                             f"(width {source.generator.config.width}, this run {self.generator.config.width}); "
                             "change one at a time (fine-tune the labels at its size first)")
        if source.encoder is not None:
            load_state_dict_checked(self.encoder, with_added_layers(source.encoder.state_dict(), self.encoder), str(directory))
        if same_labels:
            if self.config.init_from_classes:
                raise ValueError("init_from_classes is for a pretrained model with another label set; this one has the run's")
            state, size_note = source.generator.state_dict(), ""
            if resized:
                state, size_note = generator_state_for_size(state, source.generator.config, self.generator.config)
                size_note = f" ({size_note})"
            load_state_dict_checked(self.generator, with_added_layers(state, self.generator), str(directory))
            fresh_because = load_discriminator(directory, self.discriminator, self.labels)
            if self.dist.is_main:
                print(f"gaugan train: init_from {checkpoint}: generator{' and encoder' if self.encoder is not None else ''} "
                      f"loaded{size_note}; discriminator {'fresh: ' + fresh_because if fresh_because else 'loaded'}",
                      file=sys.stderr)
            return
        from gaugan.train.transfer import transfer_generator

        report = transfer_generator(source.generator, source.labels, self.generator, self.labels, self.config.init_from_classes)
        if self.dist.is_main:
            print(f"gaugan train: init_from {checkpoint} with another label set ({len(source.labels.names)} -> "
                  f"{len(self.labels.names)} classes): {report.summary()}", file=sys.stderr)
            self.output_dir.mkdir(parents=True, exist_ok=True)
            record = {"init_from": str(checkpoint), "directory": str(directory), **report.to_dict()}
            (self.output_dir / "init_from.json").write_text(json.dumps(record, indent=2) + "\n")

    def _modules(self) -> list[nn.Module]:
        return [m for m in (self.generator, self.discriminator, self.encoder) if m is not None]

    def _ddp(self, module: nn.Module) -> nn.Module:
        from torch.nn.parallel import DistributedDataParallel

        device_ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(module, device_ids=device_ids)

    def semantics(self, batch: dict[str, Any]) -> torch.Tensor:
        label = batch["label"].to(self.device)
        instance = batch.get("instance")
        instance = instance.to(self.device) if (instance is not None and self.labels.instance) else None
        return semantic_input(label, self.labels, instance)

    # ---- checkpoints ---------------------------------------------------------------------------
    def save(self) -> Path | None:
        """Write a training checkpoint (rank 0); every process waits for it."""
        path = None
        if self.dist.is_main:
            modules = {"generator": self.generator.state_dict(), "discriminator": self.discriminator.state_dict()}
            if self.encoder is not None:
                modules["encoder"] = self.encoder.state_dict()
            if self.ema is not None:
                modules["ema_generator"] = self.ema.state_dict()
            rng_tensors, rng_info = capture_rng_state()
            state = ckpt.TrainingState(
                self.step, self.epoch, self.batch_in_epoch, self.config.to_dict(), self.last_losses, rng_info
            )
            optimizers = {"optimizer_g": self.optimizers[0], "optimizer_d": self.optimizers[1]}
            path = ckpt.save_checkpoint(self.checkpoint_dir, state, modules, optimizers, rng_tensors, self.config.keep_checkpoints)
            (self.output_dir / "train_config.json").write_text(json.dumps(self.config.to_dict(), indent=2) + "\n")
        barrier()
        return path

    def load(self, directory: Path) -> None:
        payload, tensors, rng = ckpt.load_checkpoint(directory)
        saved = payload["config"]
        for name in MODEL_FIELDS:
            if name in saved and saved[name] != getattr(self.config, name):
                raise CheckpointError(
                    f"{directory} was trained with {name}={saved[name]!r} but this run has "
                    f"{name}={getattr(self.config, name)!r}; use another output_dir or the same setting"
                )
        targets: dict[str, Any] = {"generator": self.generator, "discriminator": self.discriminator}
        if self.encoder is not None:
            targets["encoder"] = self.encoder
        for name, module in targets.items():
            if name not in tensors:
                raise CheckpointError(f"{directory} has no {name} weights")
            load_state_dict_checked(module, tensors[name], str(directory / f"{name}.safetensors"))
        if self.ema is not None and "ema_generator" in tensors:
            load_state_dict_checked(self.ema.shadow, tensors["ema_generator"], str(directory / "ema_generator.safetensors"))
        elif self.ema is not None:
            self.ema.shadow.load_state_dict(self.generator.state_dict())
        for opt, name in zip(self.optimizers, ("optimizer_g", "optimizer_d")):
            opt.load_state_dict(ckpt.unflatten_optimizer(tensors[name], payload["optimizers"][name]))
            match_optimizer_state(opt)
        restore_rng_state(rng, payload["rng"])
        self.step, self.epoch, self.batch_in_epoch = payload["step"], payload["epoch"], payload["batch_in_epoch"]
        self.last_losses = payload.get("losses", {})

    def export(self, directory: Path | None = None, bn_batches: int = 20, use_ema: bool = True) -> Path:
        """Write an inference checkpoint (config.json + generator [+ encoder]) for `GauGAN.from_pretrained`.

        With EMA (unless ``use_ema`` is False), the averaged generator is exported after its
        spectral-norm vectors are refreshed and its batch-norm statistics re-estimated on up to
        ``bn_batches`` training batches.
        """
        directory = Path(directory) if directory else self.output_dir / "final"
        generator = self.generator
        if self.ema is not None and use_ema:
            generator = self.ema.shadow
            refresh_spectral_vectors(generator)
            batches = (b for i, b in enumerate(self._loader(epoch=-1, start=0)) if i < bn_batches)
            recompute_batchnorm_statistics(generator, batches, self._forward_for_statistics)
        if self.dist.is_main:
            model = GauGAN(_copy_to_cpu(generator), self.labels, _copy_to_cpu(self.encoder) if self.encoder else None)
            model.save_pretrained(directory)
        barrier()
        return directory

    @torch.no_grad()
    def _forward_for_statistics(self, generator: nn.Module, batch: dict[str, Any]) -> None:
        semantics = self.semantics(batch)
        if self.encoder is not None:
            mu = _encode_mean(self.encoder, batch["image"].to(self.device))
            generator(semantics, z=mu)
        else:
            generator(semantics)

    # ---- the loop ------------------------------------------------------------------------------
    def _loader(self, epoch: int, start: int) -> DataLoader:
        batch = self.config.batch_size * self.config.grad_accumulation
        batches = epoch_batches(len(self.dataset), batch, epoch, self.config.seed, self.dist.rank, self.dist.world_size)
        return DataLoader(
            SeededSamples(self.dataset, self.config.seed),
            batch_sampler=EpochBatchSampler(batches, epoch, start),
            collate_fn=collate_samples,
            num_workers=self.config.num_workers,
            # A private generator: creating a loader must not draw from the global RNG, or a run
            # resumed mid-epoch (one extra loader) would diverge from an uninterrupted one.
            generator=torch.Generator(),
        )

    def _micro_batches(self, batch: dict[str, Any]) -> list[tuple[torch.Tensor, torch.Tensor]]:
        semantics = self.semantics(batch)
        images = batch["image"].to(self.device)
        size = self.config.batch_size
        return [(semantics[i : i + size], images[i : i + size]) for i in range(0, images.size(0), size)]

    def fit(self, max_steps: int | None = None) -> dict[str, float]:
        """Train until the schedule ends (or ``max_steps`` more steps); returns the last losses."""
        config = self.config
        stop_at = self.total_steps if max_steps is None else min(self.total_steps, self.step + max_steps)
        progress = self._progress(stop_at)
        sample_every = config.sample_every or config.checkpoint_every
        stops = StopRequests()
        try:
            with stops.installed():
                self._train_until(stop_at, progress, sample_every, stops)
        finally:
            if progress is not None:
                progress.close()
        if self.step % config.checkpoint_every != 0:
            self.save()
        if self.step >= self.total_steps:
            self.export()
        self._close_writer()
        return self.last_losses

    def _train_until(self, stop_at: int, progress, sample_every: int, stops: StopRequests) -> None:
        """The step loop of `fit`; raises `TrainingStopped` after the step in which a stop signal came."""
        config = self.config
        while self.step < stop_at:
            for batch in self._loader(self.epoch, self.batch_in_epoch):
                set_learning_rates(config, self.optimizers, lr_factor(self.step, self.constant_steps, self.decay_steps))
                losses = self.step_fn(self._micro_batches(batch))
                finite = all(math.isfinite(v) for v in losses.values())
                if not all_ranks_agree(finite, self.device):
                    bad = {k: v for k, v in losses.items() if not math.isfinite(v)}
                    raise TrainingDiverged(
                        f"non-finite loss at step {self.step + 1}: {bad or 'on another process'}; "
                        f"the last good checkpoint in {self.checkpoint_dir} is kept. Lower the learning "
                        "rate or use fp32."
                    )
                if self.ema is not None:
                    self.ema.update(self.generator, self.step)
                self.step += 1
                self.batch_in_epoch += 1
                self.last_losses = losses
                self.history.append(losses)
                if progress is not None:
                    progress.update(1)
                    progress.set_postfix({k: f"{v:.3f}" for k, v in losses.items()}, refresh=False)
                if self.step % config.log_every == 0:
                    self._log_scalars(losses)
                if self.step % sample_every == 0:
                    self._write_samples()
                periodic = self.step % config.checkpoint_every == 0  # the same on every rank
                saved = self.save() if periodic else None  # the path on rank 0, None elsewhere
                # One collective per step: a rank that got the signal stops all of them here. (A stop
                # at an epoch's last step saves batch_in_epoch == steps_per_epoch, as a periodic
                # checkpoint there does; resuming starts the next epoch.)
                if not all_ranks_agree(not stops.requested, self.device):
                    if not periodic:
                        saved = self.save()
                    self._close_writer()
                    raise TrainingStopped(stops.signal_name or "a signal on another process", self.step, saved)
                if self.step >= stop_at:
                    break
            else:
                self.epoch += 1
                self.batch_in_epoch = 0
                continue
            if self.batch_in_epoch >= self.steps_per_epoch:
                self.epoch += 1
                self.batch_in_epoch = 0

    # ---- observability -------------------------------------------------------------------------
    def _progress(self, stop_at: int):
        if not self.show_progress:
            return None
        from tqdm.auto import tqdm

        return tqdm(total=stop_at, initial=self.step, desc="train", unit="it", dynamic_ncols=True, file=sys.stderr)

    def _tensorboard(self):
        if not (self.dist.is_main and self.config.tensorboard):
            return None
        if self._writer is None:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError:
                warnings.warn("tensorboard is not installed: no TensorBoard logs are written", stacklevel=2)
                self.config.tensorboard = False
                return None
            self._writer = SummaryWriter(str(self.output_dir / "tensorboard"))
        return self._writer

    def _close_writer(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def _log_scalars(self, losses: dict[str, float]) -> None:
        writer = self._tensorboard()
        if writer is None:
            return
        for name, value in losses.items():
            writer.add_scalar(f"loss/{name}", value, self.step)
        writer.add_scalar("lr/generator", self.optimizers[0].param_groups[0]["lr"], self.step)
        writer.add_scalar("lr/discriminator", self.optimizers[1].param_groups[0]["lr"], self.step)

    @torch.no_grad()
    def _write_samples(self) -> None:
        if not self.dist.is_main:
            return
        count = min(self.config.num_samples, len(self.dataset))
        items = [SeededSamples(self.dataset, self.config.seed)[(-1, i)] for i in range(count)]
        batch = collate_samples(items)
        generator = self.ema.shadow if self.ema is not None else self.generator
        with module_mode(generator, training=False):
            semantics = self.semantics(batch)
            real = batch["image"].to(self.device)
            if self.encoder is not None:
                fake = generator(semantics, z=_encode_mean(self.encoder, real))
            else:
                fake = generator(semantics)
        grid = sample_grid(batch["label"], fake, real, self.labels)
        samples_dir = self.output_dir / "samples"
        save_grid_png(grid, samples_dir / f"step_{self.step:08d}.png")
        write_samples_page(samples_dir, f"gaugan samples — {self.output_dir.name}")
        writer = self._tensorboard()
        if writer is not None:
            writer.add_image("samples/label|generated|real", grid, self.step)


def _encode_mean(encoder: nn.Module, image: torch.Tensor) -> torch.Tensor:
    """The encoder's mean code in eval mode (no power iterations), restoring its mode after."""
    with module_mode(encoder, training=False):
        mu, _ = encoder(image)
    return mu


def _copy_to_cpu(module: nn.Module) -> nn.Module:
    import copy

    return copy.deepcopy(module).cpu().eval()
