"""Evaluation: FID / KID with an in-tree Inception, mIoU / accuracy of a segmenter, and two realism
scores without downloaded weights: the classifier two-sample test and the Frechet segmenter distance."""

from gaugan.eval.fid import FeatureStatistics, extract_features, frechet_distance, kernel_inception_distance
from gaugan.eval.inception import FIDInceptionV3, InceptionWeightsMissing
from gaugan.eval.segmentation_metrics import ConfusionMatrix, SegmentationScores
from gaugan.eval.segmenter_distance import frechet_segmenter_distance
from gaugan.eval.two_sample import C2STResult, C2STSettings, classifier_two_sample_test

__all__ = [
    "FIDInceptionV3",
    "InceptionWeightsMissing",
    "FeatureStatistics",
    "frechet_distance",
    "kernel_inception_distance",
    "extract_features",
    "ConfusionMatrix",
    "SegmentationScores",
    "C2STSettings",
    "C2STResult",
    "classifier_two_sample_test",
    "frechet_segmenter_distance",
]
