"""Peak memory of adameps.moments on 10^7 points, per kind (issue #17, point 5).

Measured with tracemalloc (numpy reports its array allocations to it), as the peak of memory
allocated during the call minus what was allocated before it (the inputs), so the number is the
call's own footprint: its two outputs (16 bytes per point) plus its working memory.

    PYTHONPATH=src python benchmarks/bench_moments_memory.py [n_points] [out.json]
"""

from __future__ import annotations

import json
import sys
import time
import tracemalloc

import numpy as np

from adameps.moments import KINDS, moments

n = int(float(sys.argv[1])) if len(sys.argv) > 1 else 10**7
rng = np.random.default_rng(0)
a = rng.normal(0.0, 5.0, n)
b = 10.0 ** rng.uniform(-3.0, 3.0, n)
rows = {}
for kind in KINDS:
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    t0 = time.perf_counter()
    m1, m2 = moments(kind, a, b)
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    del m1, m2
    rows[kind] = {"points": n, "peak_bytes": peak, "peak_bytes_per_point": peak / n, "seconds": round(seconds, 2)}
    print(f"{kind:9s} n={n:.0e}: peak {peak / 2**20:8.1f} MiB ({peak / n:6.1f} bytes/point; outputs 16), "
          f"{seconds:.1f} s", flush=True)
if len(sys.argv) > 2:
    with open(sys.argv[2], "w") as fh:
        json.dump(rows, fh, indent=1, sort_keys=True)
        fh.write("\n")
