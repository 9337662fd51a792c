"""Fast inference for trained SPADE and CLADE generators: same function, less work.

    from gaugan.fast import FastSPADEGenerator
    fast = FastSPADEGenerator.from_generator(model.generator, num_onehot_channels=labels.num_classes + labels.dontcare)
    image = fast(semantics)                      # or fast((label_ids, edges))
"""

from gaugan.fast.allocator import tune_malloc

__all__ = ["FastSPADEGenerator", "FastCLADEGenerator", "tune_malloc", "nearest_source_indices", "resize_nearest"]


def __getattr__(name: str):
    # Imported on first use, not here: `from gaugan.fast import tune_malloc` must not import torch,
    # because malloc tuning works best before torch has allocated anything (see allocator.py).
    if name == "FastSPADEGenerator":
        from gaugan.fast.generator import FastSPADEGenerator

        return FastSPADEGenerator
    if name == "FastCLADEGenerator":
        from gaugan.fast.clade_generator import FastCLADEGenerator

        return FastCLADEGenerator
    if name in ("nearest_source_indices", "resize_nearest"):
        from gaugan.label_codes import nearest

        return getattr(nearest, name)
    raise AttributeError(f"module 'gaugan.fast' has no attribute {name!r}")
