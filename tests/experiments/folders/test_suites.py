"""The suites of the original's examples (issue 24): registered in
experiments/folders/suites.py, each with a valid _suite.yaml, every config
valid, and the ImageNet configs carrying the original's numbers."""
import json
import os

import pytest

from experiments.folders import suite_file
from experiments.folders import suites
from experiments.train.config import load_config

# The original's examples/imagenet/configs, vendored (README.md there).
ORIGINAL = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        'original_imagenet_configs')


@pytest.mark.parametrize('suite, count', [
    ('imagenet', 12), ('cifar10_examples', 4), ('mnist_examples', 4)])
def test_suite_registered_and_valid(suite, count):
    configs = suites.suite_configs(suite)
    assert len(configs) == count
    suite_file.load(os.path.join(os.path.dirname(configs[0]),
                                 suite_file.SOURCE_NAME))
    for path in configs:
        load_config(path)


def test_imagenet_configs_global_batch_and_gpus():
    for path in suites.suite_configs('imagenet'):
        name = os.path.basename(path)[:-5]          # bs4k_8gpu
        k, gpus = name[2:].split('k_')
        gpus = int(gpus[:-3])
        c = load_config(path)
        assert c['batch_size'] == 32 * gpus, name
        assert c['batch_size'] * c['kfac']['acc_iters'] == int(k) * 1024
        assert c['model'] == 'resnet50_d' and c['dataset'] == 'imagenet'
        assert c['kfac']['stab_coeff'] == 16.0   # docs/faithfulness.md


def test_imagenet_numbers_are_the_originals():
    for path in suites.suite_configs('imagenet'):
        name = os.path.basename(path)[:-5]
        k, gpus = name[2:].split('_')
        with open(os.path.join(ORIGINAL, 'bs{}.resnet50.{}.json'.format(
                k, gpus))) as f:
            o = json.load(f)
        c = load_config(path)
        assert (c['epochs'], c['optimizer']['lr'],
                c['optimizer']['momentum'], c['kfac']['damping'],
                c['kfac']['acc_iters'], c['kfac']['cov_ema_decay'],
                c['polynomial_lr']['start_epoch'],
                c['polynomial_lr']['end_epoch'],
                c['polynomial_lr']['power'], c['running_mixup']['alpha'],
                c['random_erasing']['rate'],
                c['random_erasing']['area_max'],
                c['test_batch_size']) == (
            o['epoch'], o['lr'], o['momentum'], o['damping'],
            o['acc_iters'], o['cov_ema_decay'], o['epoch_lr_decay_start'],
            o['polynomial_epoch'], o['polynomial_decay_p'],
            o['mixup_alpha'], o['re_rate'], o['re_area_rh'],
            o['val_batchsize'] * int(gpus[:-3])), name
