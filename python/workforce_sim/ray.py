"""Batches on Ray: ``run_batch(spec)`` fans a batch's (scenario, seed) jobs out as Ray tasks,
one deterministic shard of the job list per task (round robin, as ``--shard INDEX/COUNT``),
each writing its shard's results database (and the runs it keeps in full) where the driver
reads them, through Ray's object store from another machine, and merges them on the driver
with the core's ``batch merge``: the tables are exactly those of the local batch, number for
number (bands and thresholds are computed once, over all runs).

Needs ``pip install workforce-sim[ray]``. ``address=None`` starts (or joins) a local Ray;
pass a cluster address to run on a cluster whose workers have ``workforce_sim`` installed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Optional, Union

from . import BatchResult, _native

PathLike = Union[str, "os.PathLike[str]"]


def _shard(spec_text: bytes, spec_name: str, index: int, count: int, db: str, driver: str):
    """One shard of the batch, run on a Ray worker, written at ``db`` (a path on the driver's
    machine, so the runs it keeps in full are recorded where the driver finds them). On the
    driver's node the files are left in place; on another node they come back as bytes
    (the shard database and its ``.runs`` files) for the driver to write at the same paths.
    """
    import ray

    path = Path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="workforce_sim_shard_") as tmp:
        spec = Path(tmp) / spec_name
        spec.write_bytes(spec_text)
        _native.run_batch(str(spec), str(path), 1, (index, count), True)
    if ray.get_runtime_context().get_node_id() == driver:
        return None
    runs = path.with_name(path.name + ".runs")
    kept = {f.name: f.read_bytes() for f in sorted(runs.glob("*.duckdb"))} if runs.is_dir() else {}
    return path.read_bytes(), kept


def run_batch(
    spec: PathLike,
    address: Optional[str] = None,
    db: Optional[PathLike] = None,
    shards: Optional[int] = None,
    overwrite: bool = False,
) -> BatchResult:
    """Runs the batch file ``spec`` on Ray and merges the shards into ``db`` (default: the
    batch file's name with ``.duckdb``). ``shards`` defaults to the cluster's CPU count.

    The shards are written in ``DB.shards/`` (as ``--shard K/N`` writes them); it is kept
    when the batch keeps runs in full (``detail``), whose files it holds and
    ``batch_runs.detail_database`` names, and removed otherwise. The batch file's census
    path, if any, must be readable on every worker (a synthetic census needs nothing), and
    a worker on another machine must be able to create ``DB.shards/`` at the same path.
    Returns the merged database's tables.
    """
    import ray

    if not ray.is_initialized():
        ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)
    spec = Path(spec)
    target = (Path(db) if db is not None else spec.with_suffix(".duckdb")).absolute()
    work = target.with_name(target.name + ".shards")
    if work.exists():
        if not overwrite:
            raise FileExistsError(f"{work} exists (a previous Ray batch): pass overwrite=True")
        shutil.rmtree(work)
    count = shards or max(1, int(ray.cluster_resources().get("CPU", 1)))
    task = ray.remote(num_cpus=1)(_shard)
    text = spec.read_bytes()
    driver = ray.get_runtime_context().get_node_id()
    paths = [work / f"shard-{k}-of-{count}.duckdb" for k in range(1, count + 1)]
    futures = [
        task.remote(text, spec.name, k, count, str(p), driver)
        for k, p in enumerate(paths, start=1)
    ]
    for path, returned in zip(paths, ray.get(futures)):
        if returned is None:
            continue  # written on this machine
        data, kept = returned
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        runs = path.with_name(path.name + ".runs")
        for name, run in kept.items():
            runs.mkdir(exist_ok=True)
            (runs / name).write_bytes(run)
    _native.merge_batches([str(p) for p in paths], os.fspath(target), overwrite)
    if not any(work.glob("*.runs")):
        shutil.rmtree(work)
    return BatchResult(target)
