"""Links."""
from chainer_kfac.links.mixup_classifier import MixupClassifier  # NOQA
from chainer_kfac.links.random_erasing import RandomErasing  # NOQA
from chainer_kfac.links.recipe_classifier import RecipeClassifier  # NOQA
from chainer_kfac.links.running_mixup import RunningMixup  # NOQA
