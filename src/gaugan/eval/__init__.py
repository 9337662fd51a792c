"""Evaluation: FID / KID with an in-tree Inception, and mIoU / accuracy of a segmenter."""

from gaugan.eval.fid import FeatureStatistics, extract_features, frechet_distance, kernel_inception_distance
from gaugan.eval.inception import FIDInceptionV3, InceptionWeightsMissing
from gaugan.eval.segmentation_metrics import ConfusionMatrix, SegmentationScores

__all__ = [
    "FIDInceptionV3",
    "InceptionWeightsMissing",
    "FeatureStatistics",
    "frechet_distance",
    "kernel_inception_distance",
    "extract_features",
    "ConfusionMatrix",
    "SegmentationScores",
]
