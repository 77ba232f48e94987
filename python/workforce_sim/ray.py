"""Batches on Ray: ``run_batch(spec)`` fans a batch's (scenario, seed) jobs out as Ray tasks,
one deterministic shard of the job list per task (round robin, as ``--shard INDEX/COUNT``),
each returning its shard's results database (and the runs it keeps in full) to the driver,
which merges them with the core's ``batch merge``: the tables are exactly those of the local
batch, number for number (bands and thresholds are computed once, over all runs), and the
runs kept in full land in ``DB.runs/N/`` as the local batch puts them.

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


def _shard(spec_text: bytes, spec_path: str, index: int, count: int, db: str, driver: str):
    """One shard of the batch, run on a Ray worker. The batch file comes as the driver's
    text, read as the file at ``spec_path`` (its relative ``config`` and ``census`` paths
    resolve against the driver's folder of it, which workers must be able to read). On the
    driver's node the shard is written at ``db`` (in the driver's scratch directory) and
    nothing comes back; on another node it is written in a temporary directory there and
    comes back as bytes (the shard database and the ``.runs`` files it keeps in full) for
    the driver to write at ``db``.
    """
    import ray

    here = ray.get_runtime_context().get_node_id() == driver
    with tempfile.TemporaryDirectory(prefix="workforce_sim_shard_") as tmp:
        path = Path(db) if here else Path(tmp) / Path(db).name
        _native.run_batch(spec_path, str(path), 1, (index, count), True, None, spec_text.decode())
        if here:
            return None
        runs = path.with_name(path.name + ".runs")
        # Its generation folder (``N/``) with the runs and their manifest, by relative path.
        kept = {}
        if runs.is_dir():
            kept = {f.relative_to(runs).as_posix(): f.read_bytes() for f in sorted(runs.rglob("*")) if f.is_file()}
        return path.read_bytes(), kept


def _driver_node() -> str:
    """The Ray node id of the driver: a task on another node sends its shard back as bytes."""
    import ray

    return ray.get_runtime_context().get_node_id()


def run_batch(
    spec: PathLike,
    address: Optional[str] = None,
    db: Optional[PathLike] = None,
    shards: Optional[int] = None,
    overwrite: bool = False,
) -> BatchResult:
    """Runs the batch file ``spec`` on Ray and merges the shards into ``db`` (default: the
    batch file's name with ``.duckdb``). ``shards`` defaults to the cluster's CPU count.

    An existing ``db`` is refused before any task starts unless ``overwrite``; it is replaced
    only when the new batch has merged (with its runs and charts, in one step), so a failed
    or interrupted run leaves the last good result whole. The shards are written in the scratch
    directory ``DB.shards.partial/``, removed when the call ends; the runs the batch keeps in
    full (``detail``) are copied into ``DB.runs/N/``, where ``batch_runs.detail_database``
    names them, as the local batch does. The batch file's census path, if any, must be
    readable on every worker (a synthetic census needs nothing). Returns the merged
    database's tables.
    """
    import ray

    spec = Path(spec).absolute()
    target = (Path(db) if db is not None else spec.with_suffix(".duckdb")).absolute()
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists; pass overwrite=True to replace it")
    if not ray.is_initialized():
        ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)
    work = target.with_name(target.name + ".shards.partial")
    # One driver per batch database: a second call on the same db fails here, before it
    # touches the first one's scratch directory.
    with _native.OutputLock(os.fspath(work)):
        if work.exists():
            shutil.rmtree(work)  # scratch of an interrupted call, never a result
        _run_shards(ray, spec, target, work, shards, overwrite)
    return BatchResult(target)


def _run_shards(ray, spec: Path, target: Path, work: Path, shards: Optional[int], overwrite: bool) -> None:
    """The shards of ``spec`` on Ray in the scratch directory ``work``, merged into
    ``target``; the scratch directory is removed at the end, whatever happens."""
    count = shards or max(1, int(ray.cluster_resources().get("CPU", 1)))
    task = ray.remote(num_cpus=1)(_shard)
    text = spec.read_bytes()
    driver = _driver_node()
    paths = [work / f"shard-{k}-of-{count}.duckdb" for k in range(1, count + 1)]
    work.mkdir(parents=True)
    try:
        futures = [
            task.remote(text, str(spec), k, count, str(p), driver)
            for k, p in enumerate(paths, start=1)
        ]
        try:
            returns = ray.get(futures)
        except BaseException:
            # Stop the rest before the scratch directory goes: the shards not yet started are
            # cancelled, and those running (in native code, which a polite cancel does not
            # reach) are waited for, so none writes into the scratch directory after this call
            # returned. Their workers are not killed (``force``): a CI run lost its driver
            # process in the test of this path while workers were being killed.
            for f in futures:
                ray.cancel(f)
            ray.wait(futures, num_returns=len(futures))
            raise
        for path, returned in zip(paths, returns):
            if returned is None:
                continue  # written on this machine
            data, kept = returned
            path.write_bytes(data)
            runs = path.with_name(path.name + ".runs")
            for name, run in kept.items():
                (runs / name).parent.mkdir(parents=True, exist_ok=True)
                (runs / name).write_bytes(run)
        _native.merge_batches([str(p) for p in paths], os.fspath(target), overwrite)
    finally:
        shutil.rmtree(work, ignore_errors=True)
