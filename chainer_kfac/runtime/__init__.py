"""Process-level settings that decide K-FAC's speed on a CPU: BLAS threads
(:mod:`.blas`), glibc malloc (:mod:`.malloc`) and the defaults entry
points apply (:mod:`.process_defaults`)."""
from chainer_kfac.runtime.blas import blas_thread_counts  # NOQA
from chainer_kfac.runtime.blas import blas_threads  # NOQA
from chainer_kfac.runtime.blas import set_blas_threads  # NOQA
from chainer_kfac.runtime.malloc import keep_freed_memory  # NOQA
from chainer_kfac.runtime.process_defaults import apply_process_defaults  # NOQA
from chainer_kfac.runtime.process_defaults import runtime_record  # NOQA
