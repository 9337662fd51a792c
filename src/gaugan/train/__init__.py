"""Training: the paper's recipe from one CPU process to many GPUs (torchrun), resumable."""

from gaugan.train.config import PRESETS, TrainConfig, resolve_config
from gaugan.train.preemption import TrainingStopped
from gaugan.train.trainer import Trainer, TrainingDiverged

__all__ = ["TrainConfig", "resolve_config", "PRESETS", "Trainer", "TrainingDiverged", "TrainingStopped"]
