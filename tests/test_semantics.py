import pytest
import torch

from gaugan.labels import LabelSet, bit_interleaved_color
from gaugan.semantics import instance_edges, one_hot_labels, semantic_input


def test_one_hot_has_one_channel_hot_per_pixel_at_the_label():
    ids = torch.tensor([[[0, 2], [1, 2]]])
    out = one_hot_labels(ids, 3)
    assert out.shape == (1, 3, 2, 2)
    assert torch.equal(out.sum(1), torch.ones(1, 2, 2))
    assert torch.equal(out.argmax(1), ids)


def test_one_hot_rejects_out_of_range_ids_naming_the_value():
    with pytest.raises(ValueError, match="label id 7 is outside 0..2"):
        one_hot_labels(torch.tensor([[[0, 7]]]), 3)


def test_instance_edges_mark_both_sides_of_a_boundary():
    inst = torch.tensor([[[1, 1, 2, 2], [1, 1, 2, 2], [1, 1, 1, 1]]])
    edges = instance_edges(inst)[0, 0]
    expected = torch.tensor([[0, 1, 1, 0], [0, 1, 1, 1], [0, 0, 1, 1]], dtype=torch.float32)
    assert torch.equal(edges, expected)


def test_semantic_input_appends_dontcare_and_edge_channels():
    labels = LabelSet(names=("a", "b"), colors=((0, 0, 0), (1, 1, 1)), dontcare=True, instance=True)
    ids = torch.tensor([[[0, 1], [2, 2]]])  # 2 = don't-care
    inst = torch.tensor([[[0, 0], [0, 5]]])
    out = semantic_input(ids, labels, inst)
    assert out.shape == (1, 4, 2, 2)
    assert torch.equal(out[0, 2], torch.tensor([[0.0, 0.0], [1.0, 1.0]]))
    assert out[0, 3, 1, 1] == 1 and out[0, 3, 0, 0] == 0


def test_semantic_input_without_dontcare_rejects_the_dontcare_id():
    labels = LabelSet(names=("a", "b"), colors=((0, 0, 0), (1, 1, 1)))
    with pytest.raises(ValueError, match="no don't-care id"):
        semantic_input(torch.tensor([[[2]]]), labels)


def test_bit_interleaved_colours_match_pix2pixhd_palette():
    assert [bit_interleaved_color(i) for i in range(4)] == [(128, 0, 0), (0, 128, 0), (128, 128, 0), (0, 0, 128)]


def test_labelset_round_trips_through_dict_and_rejects_bad_colours():
    labels = LabelSet(names=("sky",), colors=((1, 2, 3),), dontcare=True, dataset="x")
    assert LabelSet.from_dict(labels.to_dict()) == labels
    assert labels.semantic_channels == 2 and labels.dontcare_id == 1
    with pytest.raises(ValueError, match="colour of class 0"):
        LabelSet(names=("sky",), colors=((1, 2, 300),))
    with pytest.raises(ValueError, match="unknown label metadata fields"):
        LabelSet.from_dict({**labels.to_dict(), "colours": []})
