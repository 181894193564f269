"""generator.sparse: scipy.sparse without the numpy submodules scipy's array-API layer would load."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

_PROBE = """
import sys
import generator.similarity
print(sorted(name for name in ("numpy.f2py.crackfortran", "numpy.testing._private.utils", "numpy.ma.core")
             if name in sys.modules))
import numpy.testing
numpy.testing.assert_array_equal(generator.sparse.sp.eye(2).toarray(), [[1, 0], [0, 1]])
print(numpy.ma.masked_array([1, 2], mask=[0, 1]).sum())
"""


def test_unused_numpy_submodules_wait_until_used():
    """A build imports the matrix work without running numpy.f2py, numpy.testing or numpy.ma
    (their inner modules are not loaded); a caller that uses one still gets it whole."""
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    loaded, masked_sum = done.stdout.split("\n")[:2]
    assert loaded == "[]"
    assert masked_sum == "1"


_THREADS = """
import os
import generator.related
import generator.similarity
print(len(os.listdir("/proc/self/task")), os.environ["OPENBLAS_NUM_THREADS"])
"""


@pytest.mark.skipif(
    (os.cpu_count() or 1) < 2 or not os.path.isdir("/proc/self/task"),
    reason="OpenBLAS starts worker threads only with two cores or more; counted in Linux's /proc",
)
@pytest.mark.parametrize("preset", [None, "2"])
def test_the_matrix_work_loads_without_blas_worker_threads(preset):
    """numpy's and scipy's OpenBLAS would start a worker thread per extra core, each spinning for
    a tenth of a second of CPU a build's other processes need: the package asks for one thread
    unless the user chose a number, which is kept."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if preset is not None:
        env["OPENBLAS_NUM_THREADS"] = preset
    done = subprocess.run(
        [sys.executable, "-c", _THREADS], capture_output=True, text=True, check=False, env=env
    )
    assert done.returncode == 0, done.stderr
    threads, setting = done.stdout.split()
    if preset is None:
        assert (threads, setting) == ("1", "1")
    else:
        assert setting == preset and int(threads) >= 2
