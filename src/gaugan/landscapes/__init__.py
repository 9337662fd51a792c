"""Rendered landscapes: paired (label map, picture) scenes in COCO-Stuff classes, made on the spot."""

from gaugan.landscapes.classes import LANDSCAPE_CLASSES
from gaugan.landscapes.make import make_dataset, render_scene

__all__ = ["LANDSCAPE_CLASSES", "make_dataset", "render_scene"]
