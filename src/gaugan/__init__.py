"""gaugan: semantic image synthesis with SPADE (GauGAN, CVPR 2019).

Import what you need from the sub-packages::

    from gaugan.models import SPADEGenerator, SPADEGeneratorConfig
    from gaugan.labels import LabelSet
"""

__version__ = "0.1.0"
