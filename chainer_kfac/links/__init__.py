"""Links."""
from chainer_kfac.links.mixup_classifier import MixupClassifier  # NOQA
