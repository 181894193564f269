"""press: a static site generator for news archives."""

import os

# numpy and scipy each load their own OpenBLAS, whose worker threads spin for a tenth of a second
# of CPU once loaded, on the core the build's other processes need (a cold build at 2,083
# articles: 0.2 s more CPU, 0.07 s longer). press does no dense linear algebra: its matrix work
# is sparse, and sparse_dot_topn runs threads of its own. Set before anything imports numpy; a
# value the user set is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
