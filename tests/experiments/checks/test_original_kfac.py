"""experiments/checks/original_kfac.py without the original: the CuPy
stand-in and a path that is no checkout."""
import sys

import pytest

from experiments.checks import original_kfac
from experiments.errors import StudyError


def test_cupy_stand_in_imports_and_refuses_use_and_is_removed():
    before = sys.modules.get('cupy')
    with original_kfac.cupy_stand_in():
        import cupy
        from cupy.cuda import cublas  # noqa: F401  (as the original does)
        with pytest.raises(RuntimeError, match=r'cupy\.empty.*CPU only'):
            cupy.empty(1)
        with pytest.raises(RuntimeError, match='cupy.cuda.Stream'):
            cupy.cuda.Stream  # noqa: B018  (the access itself raises)
    assert sys.modules.get('cupy') is before


def test_load_names_a_path_that_is_not_a_checkout(tmp_path):
    with pytest.raises(original_kfac.NotACheckoutError,
                       match='not a checkout of tyohei') as error:
        original_kfac.load(str(tmp_path))
    assert isinstance(error.value, StudyError)
    assert str(tmp_path) in str(error.value)
