"""Batches on Ray: ``run_batch(spec)`` fans a batch's (scenario, seed) jobs out as Ray tasks,
one deterministic shard of the job list per task (round robin, as ``--shard INDEX/COUNT``),
each returning its shard's results database as bytes through Ray's object store, and merges
them on the driver with the core's ``batch merge``: the tables are exactly those of the local
batch, number for number (bands and thresholds are computed once, over all runs).

Needs ``pip install workforce-sim[ray]``. ``address=None`` starts (or joins) a local Ray;
pass a cluster address to run on a cluster whose workers have ``workforce_sim`` installed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Optional, Union

from . import BatchResult, _native

PathLike = Union[str, "os.PathLike[str]"]


def _shard(spec_text: bytes, spec_name: str, index: int, count: int) -> bytes:
    """One shard of the batch, run on a Ray worker: the shard's DuckDB file as bytes."""
    with tempfile.TemporaryDirectory(prefix="workforce_sim_shard_") as tmp:
        spec = Path(tmp) / spec_name
        spec.write_bytes(spec_text)
        db = Path(tmp) / f"shard-{index}-of-{count}.duckdb"
        _native.run_batch(str(spec), str(db), 1, (index, count), False)
        return db.read_bytes()


def run_batch(
    spec: PathLike,
    address: Optional[str] = None,
    db: Optional[PathLike] = None,
    shards: Optional[int] = None,
    overwrite: bool = False,
) -> BatchResult:
    """Runs the batch file ``spec`` on Ray and merges the shards into ``db`` (default: the
    batch file's name with ``.duckdb``). ``shards`` defaults to the cluster's CPU count.

    The batch file's census path, if any, must be readable on every worker (a synthetic
    census needs nothing). Returns the merged database's tables.
    """
    import ray

    if not ray.is_initialized():
        ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)
    spec = Path(spec)
    target = Path(db) if db is not None else spec.with_suffix(".duckdb")
    count = shards or max(1, int(ray.cluster_resources().get("CPU", 1)))
    task = ray.remote(num_cpus=1)(_shard)
    text = spec.read_bytes()
    futures = [task.remote(text, spec.name, k, count) for k in range(1, count + 1)]
    parts = ray.get(futures)
    with tempfile.TemporaryDirectory(prefix="workforce_sim_merge_") as tmp:
        paths = []
        for k, data in enumerate(parts, start=1):
            p = Path(tmp) / f"shard-{k}-of-{count}.duckdb"
            p.write_bytes(data)
            paths.append(str(p))
        _native.merge_batches(paths, os.fspath(target), overwrite)
    return BatchResult(target)
