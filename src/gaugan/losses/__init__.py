"""Losses of the SPADE recipe: hinge GAN, feature matching (x10), VGG perceptual (x10), KLD (x0.05)."""

from gaugan.losses.feature_matching import feature_matching_loss
from gaugan.losses.gan import GAN_MODES, gan_loss
from gaugan.losses.kld import kld_loss
from gaugan.losses.perceptual import VGG_LAYER_WEIGHTS, VGGLoss

__all__ = ["gan_loss", "GAN_MODES", "feature_matching_loss", "kld_loss", "VGGLoss", "VGG_LAYER_WEIGHTS"]
