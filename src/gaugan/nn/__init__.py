"""Neural-network building blocks of SPADE: the SPADE layer, residual blocks, norms."""

from gaugan.nn.blocks import ConcatResnetBlock, SPADEResnetBlock
from gaugan.nn.init import init_glorot
from gaugan.nn.norms import SyncBatchNorm2d, convert_to_native_sync_batchnorm, param_free_norm
from gaugan.nn.spade import SPADE
from gaugan.nn.spectral import spectral, spectral_norm_enabled

__all__ = [
    "SPADE",
    "SPADEResnetBlock",
    "ConcatResnetBlock",
    "SyncBatchNorm2d",
    "convert_to_native_sync_batchnorm",
    "param_free_norm",
    "spectral",
    "spectral_norm_enabled",
    "init_glorot",
]
