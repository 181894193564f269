"""generator.sparse: scipy.sparse without the numpy submodules scipy's array-API layer would load."""

from __future__ import annotations

import subprocess
import sys

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
