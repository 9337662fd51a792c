"""One training iteration of the paper's recipe: a discriminator update, then a generator update.

Generator loss  = GAN(D(fake)) + lambda_feat * FM(D(fake), D(real)) + lambda_vgg * VGG(fake, real)
                  + lambda_kld * KLD(E(real))                       (the last only with the encoder)
                  [+ lambda_l1 * |fake - real|]                     (pix2pix's term; off in the paper's recipe)
                  [+ lambda_l1_chroma * |chroma(fake) - chroma(real)|]  (colour only, losses/chroma.py; off in it too)
                  [+ lambda_gan_prior * GAN(D(prior_fake))]         (prior_fake = G(label, z ~ N(0, I)): a seed's picture)
Discriminator   = GAN(D(fake), fake) + GAN(D(real), real) with the generator's output detached
                  (with lambda_gan_prior, the fake term is (GAN(D(fake), fake) + lambda_gan_prior *
                  GAN(D(prior_fake), fake)) / (1 + lambda_gan_prior): fakes weigh as much as reals).

With the OASIS discriminator (``discriminator: oasis``, a per-pixel N+1-class segmenter of the image
alone) the adversarial terms are OASIS' instead (`gaugan.losses.oasis`):
Generator loss  = CE_balanced(D(fake), labels) [+ lambda_vgg * VGG] [+ lambda_l1 * |fake - real|]
Discriminator   = CE_balanced(D(real), labels) + CE(D(fake), fake)
                  + lambda_labelmix * |D(mix) - mix(D(real), D(fake))|^2     (LabelMix)

Order: the discriminator update comes first, then the generator update against the updated
discriminator. The official code does G then D and regenerates the fake for D's update; D then G
is the same alternation shifted by half an iteration (each update sees the other network's latest
weights; only the run's very first G update is skipped), and lets one generator pass feed both
updates: D's on the fake detached, G's through the fake's graph. That saves a whole generator
forward per iteration (coco-256: 1190 -> 908 GFLOP; streets-256: 220 -> 183). With accumulation the graphs of all
micro-batches would have to stay alive at once, so there D gets fakes made under no_grad and G
regenerates, as before.

With ``light_jitter`` (train/light_jitter.py) each real photo gets a random light first, for every
use of it; with ``light_jitter_discriminator`` off, the discriminator's losses keep the photo in its
own light and only the encoder and the generator's targets read the relit one (the *reference*).
With ``d_augment`` (train/d_augment.py, DiffAugment) every multi-scale D call judges the pictures
and label maps transformed alike, one draw per micro-batch shared by its three calls.

Modules may be DDP-wrapped. The discriminator is called unwrapped (and frozen) in the generator
update, so DDP only synchronises the gradients each update actually trains.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import torch
import torch.nn as nn

from gaugan.losses import feature_matching_loss, gan_loss, kld_loss
from gaugan.losses.chroma import chroma_l1
from gaugan.losses.oasis import label_mix, label_mix_consistency, oasis_fake_loss, oasis_g_loss, oasis_real_loss
from gaugan.models.discriminator import JudgedLabels
from gaugan.models.encoder import reparameterize
from gaugan.nn.modes import module_mode
from gaugan.train.config import TrainConfig
from gaugan.train.d_augment import AugmentParams, draw, parse_operations
from gaugan.train.light_jitter import jitter_light
from gaugan.train.layout import resolve_channels_last
from gaugan.train.precision import resolve_precision


def unwrap(module: nn.Module | None) -> nn.Module | None:
    return getattr(module, "module", module)


@dataclass
class StepModules:
    generator: nn.Module
    discriminator: nn.Module
    encoder: nn.Module | None = None
    vgg_loss: nn.Module | None = None
    world_size: int = 1
    extra: dict = field(default_factory=dict)


class TrainingStep:
    """Computes losses and applies optimizer updates for one batch.

    Args:
        config: the training config (loss weights, precision, accumulation).
        modules: G, D (each possibly DDP-wrapped), optional E and VGG loss.
        optimizers: (G+E optimizer, D optimizer).
        device: where tensors live.
    """

    def __init__(self, config: TrainConfig, modules: StepModules, optimizers: tuple, device: torch.device,
                 label_channels: int | None = None, dontcare_id: int | None = None) -> None:
        """``label_channels`` (classes + don't-care: the one-hot part of the semantic input) and
        ``dontcare_id`` are needed by the OASIS losses, which read class ids."""
        self.config = config
        self.oasis = config.discriminator == "oasis"
        if self.oasis and label_channels is None:
            raise ValueError("the OASIS discriminator's losses need label_channels (classes + don't care)")
        self.label_channels, self.dontcare_id = label_channels, dontcare_id
        self.m = modules
        self.opt_g, self.opt_d = optimizers
        self.device = device
        self.precision = resolve_precision(config.precision, device, config.discriminator)
        if self.precision == "fp16" and device.type != "cuda":
            raise ValueError("precision fp16 needs CUDA (use bf16 on CPU)")
        self.amp_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(self.precision)
        use_scaler = self.precision == "fp16"
        self.scaler_g = torch.amp.GradScaler("cuda", enabled=use_scaler)
        self.scaler_d = torch.amp.GradScaler("cuda", enabled=use_scaler)
        self.augmentations = parse_operations(config.d_augment)
        # The batches' layout follows the models' (laid out by the caller, `gaugan.train.layout.lay_out`).
        self.channels_last = resolve_channels_last(config.channels_last, device)

    # ---- pieces --------------------------------------------------------------------------------
    def autocast(self):
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    def _memory_format(self, x: torch.Tensor) -> torch.Tensor:
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x

    def generate(self, semantics: torch.Tensor, real: torch.Tensor, generator: nn.Module, encoder: nn.Module | None, compute_kld: bool):
        """fake (N, 3, H, W) and the (weighted) KL term, or None without encoder."""
        kld = None
        if encoder is not None:
            mu, logvar = encoder(real)
            z = reparameterize(mu.float(), logvar.float())
            if compute_kld:
                # Summed over the batch as the paper's code does; DDP averages gradients over
                # processes, so scale by world size to keep it equal to one process with the full batch.
                kld = kld_loss(mu.float(), logvar.float(), self.config.kld_free_bits) * self.config.lambda_kld * self.m.world_size
            fake = generator(semantics, z=z)
        else:
            fake = generator(semantics)
        return fake, kld

    def generate_from_prior(self, semantics: torch.Tensor, generator: nn.Module) -> torch.Tensor | None:
        """(N, 3, H, W) pictures of codes drawn from N(0, I), as seeds paint (``lambda_gan_prior``), or
        None. Each process draws its own codes; DDP averages the gradients of both generator passes
        (tests/train/test_distributed.py)."""
        if self.config.lambda_gan_prior <= 0:
            return None
        return generator(semantics)  # z=None: the generator draws it from the prior

    def label_ids(self, semantics: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) semantic input -> (N, H, W) class ids (the argmax of its one-hot channels)."""
        return semantics[:, : self.label_channels].argmax(1)

    def judged_labels(self, semantics: torch.Tensor, augment: AugmentParams | None = None) -> JudgedLabels | None:
        """The multi-scale discriminator's per-label-map work, done once for the iteration's three
        D calls on these label maps (None for OASIS's discriminator, which reads images only);
        with ``augment``, on the label maps as augmented (translated) for all three."""
        if self.oasis:
            return None
        return unwrap(self.m.discriminator).prepare(augment.labels(semantics) if augment is not None else semantics)

    def draw_augmentation(self, semantics: torch.Tensor) -> AugmentParams | None:
        """This micro-batch's DiffAugment parameters (``d_augment``), shared by its three D calls."""
        return draw(self.augmentations, semantics.size(0), semantics.size(2), semantics.size(3), semantics.device)

    def generator_losses(self, semantics: torch.Tensor, real: torch.Tensor, fake: torch.Tensor, kld: torch.Tensor | None,
                         judged: JudgedLabels | None = None, augment: AugmentParams | None = None,
                         prior_fake: torch.Tensor | None = None):
        """G's losses for ``fake`` (N, 3, H, W), made by `generate` with its graph, and its KL term
        (and for ``prior_fake``, `generate_from_prior`'s, with its graph: its GAN loss only).
        ``judged`` must come from `judged_labels` with the same ``augment`` (or both be None)."""
        cfg = self.config
        if self.oasis:
            losses = self._oasis_adversarial(semantics, fake)
        else:
            labels = judged if judged is not None else self.judged_labels(semantics, augment)
            fakes = fake if prior_fake is None else torch.cat([fake, prior_fake])
            judged_fakes, judged_real = (augment.image(fakes), augment.image(real)) if augment is not None else (fakes, real)
            losses = self._multiscale_adversarial(labels, judged_fakes, judged_real)
        if self.m.vgg_loss is not None and cfg.lambda_vgg > 0:
            with self.autocast():
                losses["G_VGG"] = self.m.vgg_loss(fake.float(), real).float() * cfg.lambda_vgg
        if cfg.lambda_l1 > 0:
            losses["G_L1"] = (fake.float() - real.float()).abs().mean() * cfg.lambda_l1
        if cfg.lambda_l1_chroma > 0:
            losses["G_L1_chroma"] = chroma_l1(fake, real) * cfg.lambda_l1_chroma
        if kld is not None:
            losses["KLD"] = kld
        return losses

    def _multiscale_adversarial(self, labels: JudgedLabels, fakes: torch.Tensor, real: torch.Tensor) -> dict:
        """Hinge (or LS / original) GAN loss + feature matching against the real image's features.
        ``fakes``: (N, 3, H, W) pictures of encoded codes, or (2N, ...) those and then pictures of
        prior codes, which get only a GAN loss (``lambda_gan_prior``)."""
        cfg = self.config
        discriminator = unwrap(self.m.discriminator)
        n = real.size(0)
        with self.autocast():
            predictions = discriminator(labels, fakes)
        pred_fake = _pictures(predictions, 0, n)
        # The real image only gives feature-matching targets: without a graph, D's backward skips
        # it (in one call with the fake, the backward would carry zeros through its half). In eval
        # mode, so that its spectral norms skip their power iteration and divide by the sigma the
        # fake was judged with (D has no other train-mode behaviour: instance norm only).
        with module_mode(discriminator, training=False), torch.no_grad(), self.autocast():
            pred_real = _pictures(discriminator(labels, real), 0, n)
        losses = {"G_GAN": gan_loss(pred_fake, True, for_discriminator=False, mode=cfg.gan_mode)}
        if fakes.size(0) > n:
            pred_prior = _pictures(predictions, n, fakes.size(0))
            losses["G_GAN_prior"] = gan_loss(pred_prior, True, for_discriminator=False, mode=cfg.gan_mode) * cfg.lambda_gan_prior
        if cfg.lambda_feat > 0:
            losses["G_feat"] = feature_matching_loss(pred_fake, pred_real) * cfg.lambda_feat
        return losses

    def _oasis_adversarial(self, semantics: torch.Tensor, fake: torch.Tensor) -> dict:
        """The fake must be segmented as the label map's classes (class-balanced N+1 cross-entropy)."""
        with self.autocast():
            logits = unwrap(self.m.discriminator)(fake)
        return {"G_GAN": oasis_g_loss(logits.float(), self.label_ids(semantics), self.dontcare_id, self.config.class_balancing)}

    def discriminator_losses(self, semantics: torch.Tensor, real: torch.Tensor, fake: torch.Tensor,
                             judged: JudgedLabels | None = None, augment: AugmentParams | None = None,
                             prior_fake: torch.Tensor | None = None):
        """D's losses for the real image and a generated ``fake`` (N, 3, H, W, no graph), and for
        ``prior_fake`` (`generate_from_prior`'s) when given; ``judged`` as in `generator_losses`."""
        cfg = self.config
        fake = fake.detach().float()
        if self.oasis:
            return self._oasis_discriminator_losses(semantics, real, fake)
        fakes = fake if prior_fake is None else torch.cat([fake, prior_fake.detach().float()])
        pictures = torch.cat([fakes, real])
        if augment is not None:
            pictures = augment.image(pictures)
        with self.autocast():
            labels = judged if judged is not None else self.judged_labels(semantics, augment)
            predictions = self.m.discriminator(labels, pictures)
        n, n_fakes = fake.size(0), fakes.size(0)
        losses = {
            "D_fake": gan_loss(_pictures(predictions, 0, n), False, for_discriminator=True, mode=cfg.gan_mode),
            "D_real": gan_loss(_pictures(predictions, n_fakes, pictures.size(0)), True, for_discriminator=True, mode=cfg.gan_mode),
        }
        if prior_fake is not None:
            # Both kinds of fake together weigh as much as the reals: with D_fake + D_fake_prior at
            # weight 1 each, D was pushed to call everything fake (its real loss 0.6 -> 1.1).
            share = cfg.lambda_gan_prior / (1 + cfg.lambda_gan_prior)
            losses["D_fake"] = losses["D_fake"] * (1 - share)
            losses["D_fake_prior"] = gan_loss(_pictures(predictions, n, n_fakes), False, for_discriminator=True, mode=cfg.gan_mode) * share
        return losses

    def _oasis_discriminator_losses(self, semantics: torch.Tensor, real: torch.Tensor, fake: torch.Tensor):
        cfg = self.config
        ids = self.label_ids(semantics)
        images = [fake, real]
        if cfg.lambda_labelmix > 0:
            mixed, mask = label_mix(real, fake, ids)
            images.append(mixed)
        # One call for fake, real (and mix): D has no batch statistics, so batching changes nothing
        # but the number of spectral-norm power iterations (one per call).
        with self.autocast():
            logits = self.m.discriminator(torch.cat(images)).float()
        n = fake.size(0)
        logits_fake, logits_real = logits[:n], logits[n: 2 * n]
        losses = {"D_fake": oasis_fake_loss(logits_fake),
                  "D_real": oasis_real_loss(logits_real, ids, self.dontcare_id, cfg.class_balancing)}
        if cfg.lambda_labelmix > 0:
            losses["D_labelmix"] = cfg.lambda_labelmix * label_mix_consistency(mask, logits[2 * n:], logits_real, logits_fake)
        return losses

    def _with_reference(self, semantics: torch.Tensor, real: torch.Tensor):
        """(semantics, photo) -> (semantics, the photo D learns as real, the reference photo), each
        (N, C, H, W): the reference is the photo under ``light_jitter``'s random light; D's photo is
        the same relit one, or with ``light_jitter_discriminator`` off the photo as it is."""
        cfg = self.config
        # The one-hot semantics keep their layout: the CPU lookups read them as label codes, and a conv
        # that reads them itself reorders them as cheaply as a copy here would (laying COCO-Stuff's
        # 184 x 256 x 256 map out channels-last cost a 48 MB copy per step, and the discriminator's
        # gather of the classes present another).
        real = self._memory_format(real)
        reference = self._memory_format(jitter_light(real, cfg.light_jitter, white_balance=cfg.light_white_balance))
        return semantics, (reference if cfg.light_jitter_discriminator else real), reference

    # ---- the iteration -------------------------------------------------------------------------
    def __call__(self, micro_batches: list[tuple[torch.Tensor, torch.Tensor]]) -> dict[str, float]:
        """One iteration over ``grad_accumulation`` micro-batches of (semantics, real image)."""
        cfg = self.config
        # (semantics, the photo D learns as real, the reference: what E reads and G's targets are)
        micro_batches = [self._with_reference(semantics, real) for semantics, real in micro_batches]
        n = len(micro_batches)
        totals: dict[str, float] = {}
        share_fake = n == 1  # one generator pass for both updates (see the module's docstring)
        augments = [self.draw_augmentation(semantics) for semantics, _, _ in micro_batches]
        judged = [self.judged_labels(semantics, augment) for (semantics, _, _), augment in zip(micro_batches, augments)]

        # Discriminator update on fakes of the current generator.
        fakes = []
        self.opt_d.zero_grad(set_to_none=True)
        for i, (semantics, real, reference) in enumerate(micro_batches):
            if share_fake:
                with self.autocast():
                    fakes.append(self.generate(semantics, reference, self.m.generator, self.m.encoder, compute_kld=True)
                                 + (self.generate_from_prior(semantics, self.m.generator),))
                fake, _, prior_fake = fakes[-1]
            else:
                with torch.no_grad(), self.autocast():
                    fake, _ = self.generate(semantics, reference, unwrap(self.m.generator), unwrap(self.m.encoder), compute_kld=False)
                    prior_fake = self.generate_from_prior(semantics, unwrap(self.m.generator))
            with _no_sync(self.m.discriminator, i == n - 1):
                losses = self.discriminator_losses(semantics, real, fake, judged[i], augments[i], prior_fake)
                self.scaler_d.scale(sum(losses.values()) / n).backward()
            _accumulate(totals, losses, n)
        self.scaler_d.step(self.opt_d)
        self.scaler_d.update()

        # Generator (+ encoder) update against the updated discriminator; D frozen so no gradient
        # work is spent on its weights.
        d_module = unwrap(self.m.discriminator)
        d_module.requires_grad_(False)
        self.opt_g.zero_grad(set_to_none=True)
        for i, (semantics, _, reference) in enumerate(micro_batches):
            sync = i == n - 1
            with _no_sync(self.m.generator, sync), _no_sync(self.m.encoder, sync):
                if share_fake:
                    fake, kld, prior_fake = fakes[i]
                else:
                    with self.autocast():
                        fake, kld = self.generate(semantics, reference, self.m.generator, self.m.encoder, compute_kld=True)
                        prior_fake = self.generate_from_prior(semantics, self.m.generator)
                losses = self.generator_losses(semantics, reference, fake, kld, judged[i], augments[i], prior_fake)
                total = sum(losses.values())
                self.scaler_g.scale(total / n).backward()
            _accumulate(totals, losses, n)
        self.scaler_g.step(self.opt_g)
        self.scaler_g.update()
        d_module.requires_grad_(True)
        return totals


def _pictures(predictions: list[list[torch.Tensor]], start: int, stop: int) -> list[list[torch.Tensor]]:
    """The multi-scale D's outputs (per scale, per layer: (r*N, C, h, w)) for pictures start..stop-1
    of the batch it judged, in float32."""
    return [[f[start:stop].float() for f in scale] for scale in predictions]


def _accumulate(totals: dict[str, float], losses: dict[str, torch.Tensor], n: int) -> None:
    for name, value in losses.items():
        totals[name] = totals.get(name, 0.0) + float(value.detach()) / n


def _no_sync(module: nn.Module | None, sync: bool):
    if module is None or sync or not hasattr(module, "no_sync"):
        return contextlib.nullcontext()
    return module.no_sync()
