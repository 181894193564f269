"""scipy.sparse and sparse_dot_topn, imported without the numpy submodules nothing here uses.

scipy's array-API layer (scipy._lib.array_api_compat.numpy, loaded by scipy.sparse) copies
numpy's namespace with `from numpy import *`, and numpy loads its lazy submodules as that names
them: numpy.f2py (the Fortran wrapper generator, which loads charset_normalizer), numpy.testing
and numpy.ma. That was 55 ms of the 110 it took to import scipy.sparse (`python -X importtime`,
scipy 1.17), paid by every build that makes related lists, an edit's included. Those three are
registered first as modules loaded on first use (importlib.util.LazyLoader, the standard
library's way to defer an import): the namespace copy gets them unloaded, and code that does use
one (a test's numpy.testing) loads it then. numpy.random is left alone: scipy uses it on import.
"""

from __future__ import annotations

import importlib.util
import sys

import numpy

_UNUSED = ("numpy.f2py", "numpy.testing", "numpy.ma")


def _defer(name: str) -> None:
    """Register `name` as loaded on first attribute access, unless it is loaded (or missing)."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    # numpy's own __getattr__ does `import numpy.f2py as f2py`, which reads the attribute back.
    setattr(numpy, name.rpartition(".")[2], module)


for _name in _UNUSED:
    _defer(_name)

import scipy.sparse as sp  # noqa: E402 (after the deferral above, which is this module's point)
from sparse_dot_topn import sp_matmul_topn  # noqa: E402

__all__ = ["sp", "sp_matmul_topn"]
