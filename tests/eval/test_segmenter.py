"""A segmenter trained at one size scores pictures of any size at that size."""

import torch
import torch.nn.functional as F

from gaugan.eval.segmentation_metrics import ConfusionMatrix
from gaugan.eval.segmenter import SegmenterConfig, SmallSegmenter
from gaugan.eval.segmenters import load_segmenter, save_segmenter
from gaugan.eval.train_segmenter import score_segmenter


def test_a_segmenter_with_an_input_size_resizes_other_pictures_to_it(tmp_path, one_thread):
    torch.manual_seed(0)
    model = SmallSegmenter(SegmenterConfig(num_classes=3, width=8, depth=2, input_size=(16, 24))).eval()
    big = torch.rand(2, 3, 32, 48) * 2 - 1
    small = F.interpolate(big, size=(16, 24), mode="bilinear", align_corners=False, antialias=True)
    with torch.no_grad():
        logits = model(big)
        assert logits.shape == (2, 3, 16, 24)
        torch.testing.assert_close(logits, model(small))
        torch.testing.assert_close(model.features(big), model.features(small))
        # Without an input size the same weights see the big picture as is: different logits.
        free = SmallSegmenter(SegmenterConfig(num_classes=3, width=8, depth=2)).eval()
        free.load_state_dict(model.state_dict())
        assert free(big).shape == (2, 3, 32, 48)

    save_segmenter(model, tmp_path / "seg", {"dataset": "toy"})
    loaded, classes = load_segmenter(tmp_path / "seg")
    assert classes == 3 and loaded.config.input_size == (16, 24)
    scripted = torch.jit.script(model)
    with torch.no_grad():
        torch.testing.assert_close(loaded(big), logits)
        torch.testing.assert_close(scripted(big), logits)

    # Scoring against labels at the picture's size upsamples the logits back to them.
    labels = torch.randint(0, 3, (2, 32, 48))
    confusion = ConfusionMatrix(3, None)
    score_segmenter(model, big, labels, confusion)
    assert int(confusion.counts.sum()) == 2 * 32 * 48
