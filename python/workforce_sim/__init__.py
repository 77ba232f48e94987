"""workforce-sim from Python: simulate a workforce and its 401(k) plan year by year.

The simulation runs in the Rust core; every result table comes back as a ``pyarrow.Table``
through the Arrow C stream interface (no row is converted one by one). The same census,
configuration and seed give the same tables as ``workforce-sim simulate``, to the byte.

>>> import workforce_sim as ws
>>> run = ws.simulate(census=1000, end_year=2027)
>>> run.year_summary.num_rows
3
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping, Optional, Union

import pyarrow as pa

from . import _native
from ._native import WorkforceSimError

__all__ = [
    "simulate",
    "batch",
    "fit",
    "backtest",
    "calibrate",
    "optimize",
    "report",
    "explain",
    "Explanation",
    "Simulation",
    "BatchResult",
    "FitResult",
    "BacktestResult",
    "WorkforceSimError",
    "__version__",
]
__version__ = _native.version()

PathLike = Union[str, "os.PathLike[str]"]


class _Stream:
    """An Arrow C stream capsule, offered through the Arrow PyCapsule interface."""

    def __init__(self, capsule: Any) -> None:
        self._capsule = capsule

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self._capsule


def _table(capsule: Any) -> pa.Table:
    return pa.RecordBatchReader.from_stream(_Stream(capsule)).read_all()


def _config_args(config: Union[None, PathLike, Mapping[str, Any]]) -> dict:
    if config is None:
        return {}
    if isinstance(config, Mapping):
        return {"config_json": json.dumps(config)}
    return {"config_path": os.fspath(config)}


def _whole_number(name: str, value: Any, low: int, high: int) -> None:
    """Raises ``WorkforceSimError`` naming ``name`` unless ``value`` is None or a whole
    number within ``[low, high]`` (a negative or huge number would otherwise surface as
    Python's ``OverflowError`` from the argument conversion)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise WorkforceSimError(f"{name}: must be a whole number within [{low}, {high}], got {value!r}")


def _census_args(census: Any, stack: list) -> dict:
    """A census path, an employee count, or a table (pyarrow, Polars or pandas)."""
    if census is None:
        return {}
    if isinstance(census, bool):
        raise TypeError("census: a path, an employee count or a table, not a bool")
    if isinstance(census, int):
        _whole_number("census", census, 1, _native.MAX_EMPLOYEES)
        return {"employees": census}
    if isinstance(census, (str, os.PathLike)):
        return {"census_path": os.fspath(census)}
    table = _as_arrow(census)
    # The core reads a census file (CSV or Parquet) with its validation by row and column;
    # a table is handed over as a Parquet file in a temporary directory.
    import pyarrow.parquet as pq

    tmp = tempfile.TemporaryDirectory(prefix="workforce_sim_census_")
    stack.append(tmp)
    path = Path(tmp.name) / "census.parquet"
    pq.write_table(table, path)
    return {"census_path": str(path)}


def _as_arrow(data: Any) -> pa.Table:
    if isinstance(data, pa.Table):
        return data
    if hasattr(data, "to_arrow"):  # Polars
        return data.to_arrow()
    if hasattr(data, "__arrow_c_stream__"):
        return pa.RecordBatchReader.from_stream(data).read_all()
    try:
        import pandas as pd  # noqa: F401

        return pa.Table.from_pandas(data, preserve_index=False)
    except ImportError:  # pragma: no cover - pandas absent
        pass
    raise TypeError(f"census: cannot read a {type(data).__name__} as a table")


class Simulation:
    """A completed run: its tables as ``pyarrow.Table`` and its report.

    Tables: ``events``, ``snapshot``, ``workforce_needs``, ``year_summary``, ``plan_ledger``,
    ``employer_cost_by_cohort``, ``compliance_tests``, ``weekly_balances`` (rows only with
    ``plan.ledger.balances = "weekly"``). Columns have the store's types: money as
    ``decimal128(15, 2)``, rates as ``decimal128(7, 6)``, categories as dictionaries.
    """

    def __init__(self, native: Any, census_dir: list) -> None:
        self._native = native
        self._census_dir = census_dir  # keeps a handed-over census file for write_duckdb
        self._tables: dict = {}

    def table(self, name: str) -> pa.Table:
        """One result table, every year in order."""
        if name not in self._tables:
            self._tables[name] = _table(self._native.arrow_stream(name))
        return self._tables[name]

    @property
    def events(self) -> pa.Table:
        return self.table("events")

    @property
    def snapshot(self) -> pa.Table:
        return self.table("snapshot")

    @property
    def workforce_needs(self) -> pa.Table:
        return self.table("workforce_needs")

    @property
    def year_summary(self) -> pa.Table:
        return self.table("year_summary")

    @property
    def plan_ledger(self) -> pa.Table:
        return self.table("plan_ledger")

    @property
    def report(self) -> dict:
        """The run report: stage timings, year summaries, cohort costs, compliance tests."""
        return json.loads(self._native.report_json())

    @property
    def config(self) -> dict:
        """The validated configuration the run used."""
        return json.loads(self._native.config_json())

    def to_polars(self, name: str = "snapshot") -> Any:
        """A table as a Polars DataFrame (needs ``polars``)."""
        import polars as pl

        return pl.from_arrow(self.table(name))

    def to_pandas(self, name: str = "snapshot") -> Any:
        """A table as a pandas DataFrame (needs ``pandas``)."""
        return self.table(name).to_pandas()

    def write_duckdb(self, path: PathLike, overwrite: bool = False) -> Path:
        """Writes the run to a DuckDB file, as ``workforce-sim simulate --db`` does."""
        self._native.write_duckdb(os.fspath(path), overwrite)
        return Path(path)

    def _with_database(self, write: Any) -> None:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="workforce-sim-report-") as d:
            db = Path(d) / "run.duckdb"
            self.write_duckdb(db)
            write(db)

    def to_excel(self, path: PathLike, max_rows: Optional[int] = None, overwrite: bool = False) -> Path:
        """Writes the run's Excel workbook, as ``workforce-sim report --xlsx`` does (the run is
        written to a temporary DuckDB file first)."""
        self._with_database(lambda db: report(db, xlsx=path, max_rows=max_rows, overwrite=overwrite))
        return Path(path)

    def report_html(self, path: PathLike, overwrite: bool = False) -> Path:
        """Writes the run's self-contained HTML report, as ``workforce-sim report --html``."""
        self._with_database(lambda db: report(db, html=path, overwrite=overwrite))
        return Path(path)

    def explain(self, metric: str = "employer_cost", start: Optional[int] = None, end: Optional[int] = None) -> "Explanation":
        """What drove ``metric``'s change from ``start`` to ``end`` (default: the first and the
        last year), as ``workforce-sim explain``."""
        out: list = []
        self._with_database(lambda db: out.append(explain(db, metric, start=start, end=end)))
        return out[0]


def simulate(
    config: Union[None, PathLike, Mapping[str, Any]] = None,
    census: Any = None,
    seed: Optional[int] = None,
    start_year: Optional[int] = None,
    end_year: Optional[int] = None,
    engine: str = "native",
    threads: int = 0,
) -> Simulation:
    """Simulates in memory and returns the tables.

    ``config``: None (the defaults), a TOML path, or a dict of the same keys.
    ``census``: None (5,000 synthetic employees), an employee count, a CSV or Parquet path,
    or a ``pyarrow.Table`` / Polars / pandas DataFrame with the census columns.
    ``seed``, ``start_year``, ``end_year`` override the configuration's (the default
    configuration's seed is 42). ``engine``: ``"native"``, ``"polars"`` or ``"sql"`` (the same
    results). Raises ``WorkforceSimError`` with the command line's message (file, row,
    column and rule for a bad census).
    """
    _whole_number("seed", seed, 0, 2**64 - 1)
    _whole_number("start_year", start_year, -(2**31), 2**31 - 1)
    _whole_number("end_year", end_year, -(2**31), 2**31 - 1)
    _whole_number("threads", threads, 0, 4096)
    keep: list = []
    args = {**_config_args(config), **_census_args(census, keep)}
    native = _native.simulate(
        seed=seed,
        start_year=start_year,
        end_year=end_year,
        engine_name=engine,
        threads=threads,
        **args,
    )
    return Simulation(native, keep)


class BatchResult:
    """A batch's results database and its tables as ``pyarrow.Table`` (read by the core)."""

    def __init__(self, db: PathLike) -> None:
        self.db = Path(db)

    def table(self, name: str) -> pa.Table:
        """A table or view of the batch database, e.g. ``batch_runs``,
        ``batch_year_summary``, ``batch_bands``, ``batch_thresholds``."""
        return _table(_native.read_table(os.fspath(self.db), name))

    def tables(self) -> list:
        """The names of the database's tables and views."""
        return _native.list_tables(os.fspath(self.db))

    def to_excel(self, path: PathLike, max_rows: Optional[int] = None, overwrite: bool = False) -> Path:
        """Writes the batch's Excel workbook (``workforce-sim report --xlsx``)."""
        report(self.db, xlsx=path, max_rows=max_rows, overwrite=overwrite)
        return Path(path)

    def report_html(self, path: PathLike, overwrite: bool = False) -> Path:
        """Writes the batch's HTML report with its fan charts (``workforce-sim report --html``)."""
        report(self.db, html=path, overwrite=overwrite)
        return Path(path)

    def explain(self, base: str, alternative: str, metric: str = "employer_cost", year: Optional[int] = None) -> "Explanation":
        """What drove ``metric``'s difference between two scenarios, paired by seed
        (``workforce-sim explain --base --alternative``)."""
        return explain(self.db, metric, base=base, alternative=alternative, year=year)

    def compare(self, base: str, alternative: str) -> pa.Table:
        """``alternative - base`` per year and metric, paired by seed, with the 5th, 50th
        and 95th percentiles of the per-seed differences (as ``workforce-sim compare``)."""
        rows = json.loads(_native.compare_scenarios(os.fspath(self.db), base, alternative))
        return pa.Table.from_pylist(rows)


def batch(
    spec: Union[PathLike, Mapping[str, Any]],
    db: Optional[PathLike] = None,
    threads: int = 0,
    overwrite: bool = False,
) -> BatchResult:
    """Runs a batch (scenarios x seeds, bands, thresholds) into a DuckDB file, as
    ``workforce-sim batch`` does, and returns its tables (``.compare(base, alt)`` pairs two
    scenarios). ``spec`` is a batch TOML file or a dict of the same keys (then ``db`` is
    required)."""
    _whole_number("threads", threads, 0, 4096)
    if isinstance(spec, Mapping):
        if db is None:
            raise TypeError("batch: a dict spec needs db=")
        _native.run_batch(None, os.fspath(db), threads, None, overwrite, json.dumps(spec))
        return BatchResult(db)
    target = Path(db) if db is not None else Path(spec).with_suffix(".duckdb")
    _native.run_batch(os.fspath(spec), os.fspath(target), threads, None, overwrite)
    return BatchResult(target)


def _fit_args(
    files: Any,
    years: Optional[list],
    config: Union[None, PathLike, Mapping[str, Any]],
    credibility_k: float,
    min_exposure: float,
    allow_rehires: bool,
) -> dict:
    if isinstance(files, (str, os.PathLike)):
        raise TypeError("files: give a list of snapshot files, one per year")
    paths = [os.fspath(f) for f in files]
    if years is not None:
        for k, y in enumerate(years):
            _whole_number(f"years[{k}]", y, 1901, 2199)
    for name, value in (("credibility_k", credibility_k), ("min_exposure", min_exposure)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
            raise WorkforceSimError(f"{name} must be a number >= 0, got {value!r}")
    return dict(
        files=paths,
        years=list(years) if years is not None else None,
        credibility_k=float(credibility_k),
        min_exposure=float(min_exposure),
        allow_rehires=bool(allow_rehires),
        **_config_args(config),
    )


class FitResult:
    """A fitted history (``workforce-sim fit``): ``estimates`` (one row per fitted quantity:
    key, exposure, events, raw, standard_error, configured, credibility, fitted, low, high),
    ``flows`` (the counts per year), ``overlay`` (the fitted configuration keys as a dict,
    ready for ``simulate(config=...)`` or a batch scenario), ``overlay_text`` (the commented
    TOML ``fit --out`` writes) and ``data`` (everything, as the JSON ``fit --json`` prints)."""

    def __init__(self, data: dict, overlay: dict, overlay_text: str) -> None:
        self.data = data
        self.overlay = overlay
        self.overlay_text = overlay_text
        self.estimates = pa.Table.from_pylist(data["estimates"])
        self.flows = pa.Table.from_pylist(data["flows"])
        self.years = data["years"]
        self.inputs_digest = data["inputs_digest"]


def fit(
    files: list,
    years: Optional[list] = None,
    config: Union[None, PathLike, Mapping[str, Any]] = None,
    credibility_k: float = 50.0,
    min_exposure: float = 30.0,
    allow_rehires: bool = False,
) -> FitResult:
    """Fits the model's rates to 2-10 annual census snapshots (CSV or Parquet), as
    ``workforce-sim fit`` does; ``config`` (a TOML file or a dict) gives the values the
    estimates are shrunk toward."""
    data, overlay, text = _native.fit(**_fit_args(files, years, config, credibility_k, min_exposure, allow_rehires))
    return FitResult(json.loads(data), json.loads(overlay), text)


class BacktestResult:
    """A backtest (``workforce-sim backtest``): ``scores`` (per held-out year and figure:
    actual, median, p5, p95, percentile, error, status), the ``fit`` of the early
    snapshots, ``markdown`` (the scorecard) and ``data`` (the JSON ``--json`` prints)."""

    def __init__(self, data: dict, markdown: str) -> None:
        self.data = data
        self.markdown = markdown
        self.scores = pa.Table.from_pylist(data["scores"])
        self.estimates = pa.Table.from_pylist(data["fit"]["estimates"])
        self.seeds = data["seeds"]
        self.held_out_years = data["held_out_years"]

    @property
    def worst(self) -> str:
        order = ["pass", "warn", "fail"]
        return max((s["status"] for s in self.data["scores"]), key=order.index, default="pass")


def backtest(
    files: list,
    holdout: int = 1,
    seeds: int = 20,
    threads: int = 0,
    years: Optional[list] = None,
    config: Union[None, PathLike, Mapping[str, Any]] = None,
    credibility_k: float = 50.0,
    min_exposure: float = 30.0,
    allow_rehires: bool = False,
    parameter_uncertainty: bool = True,
) -> BacktestResult:
    """Fits all but the last ``holdout`` snapshots, simulates the held-out years over
    ``seeds`` seeds and scores them against what happened, as ``workforce-sim backtest``
    (each seed draws the fitted values from their standard errors unless
    ``parameter_uncertainty=False``)."""
    _whole_number("holdout", holdout, 1, 9)
    _whole_number("seeds", seeds, 1, 100_000)
    _whole_number("threads", threads, 0, 4096)
    args = _fit_args(files, years, config, credibility_k, min_exposure, allow_rehires)
    data, markdown = _native.backtest(
        holdout=holdout, seeds=seeds, threads=threads, parameter_uncertainty=bool(parameter_uncertainty), **args
    )
    return BacktestResult(json.loads(data), markdown)


class CalibrationResult:
    """A solved calibration (``workforce-sim calibrate``): ``value`` (the lever's solved
    value), ``evaluations`` (one row per evaluation: lever, mean, standard_error, seeds),
    ``overlay`` (the solved key as a configuration dict) and ``data`` (the JSON
    ``calibrate --json`` prints)."""

    def __init__(self, data: dict, overlay: dict) -> None:
        self.data = data
        self.overlay = overlay
        self.value = data["value"]
        self.evaluations = pa.Table.from_pylist(data["evaluations"])


def calibrate(
    lever: str,
    range: tuple,
    target: tuple,
    tolerance: float = 1e-5,
    max_evaluations: int = 30,
    seeds: int = 20,
    config: Union[None, PathLike, Mapping[str, Any]] = None,
    census: Any = None,
    threads: int = 0,
) -> CalibrationResult:
    """Solves the numeric configuration key ``lever`` within ``range=(low, high)`` so that
    the seed-averaged ``target=(goal, value)`` is met (goal: ``"payroll_growth"``,
    ``"headcount_growth"``, a metric such as ``"participation_rate"`` or
    ``"employer_cost@2029"``), as ``workforce-sim calibrate``; ``census`` is an employee
    count (default 5,000) or a census file."""
    low, high = range
    goal, value = target
    _whole_number("max_evaluations", max_evaluations, 3, 10_000)
    _whole_number("seeds", seeds, 1, 1_000_000)
    _whole_number("threads", threads, 0, 4096)
    for name, v in (("range[0]", low), ("range[1]", high), ("target value", value), ("tolerance", tolerance)):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise WorkforceSimError(f"{name} must be a number, got {v!r}")
    kwargs: dict = dict(_config_args(config))
    if census is None or isinstance(census, int) and not isinstance(census, bool):
        _whole_number("census", census, 1, _native.MAX_EMPLOYEES)
        kwargs["employees"] = census if census is not None else 5000
    else:
        kwargs["census_path"] = os.fspath(census)
    data, overlay = _native.calibrate(
        lever, float(low), float(high), str(goal), float(value), float(tolerance), max_evaluations, seeds,
        threads=threads, **kwargs
    )
    return CalibrationResult(json.loads(data), json.loads(overlay))


class OptimizationResult:
    """A design search (``workforce-sim optimize``): ``candidates`` (one row per design
    evaluated: index, levers, seeds, per objective its statistic, mean, sd and percentiles,
    constraints with their probability and interval, feasible, on_frontier, dominated_by,
    dropped_at, dropped_why), ``frontier`` (the Pareto set's rows, best first on the first
    axis), ``best`` (the index of the best feasible design, or None), ``overlay`` (its
    configuration keys as a dict) and ``data`` (the JSON ``optimize --json`` prints)."""

    def __init__(self, data: dict, overlay: Optional[dict]) -> None:
        self.data = data
        self.overlay = overlay
        self.best = data["best"]
        self.runs = data["runs"]
        rows = []
        for c in data["candidates"]:
            row = dict(c)
            row["levers"] = [f"{k} = {v}" for k, v in c["levers"]]
            rows.append(row)
        self.candidates = pa.Table.from_pylist(rows)
        by_index = {r["index"]: r for r in rows}
        self.frontier = pa.Table.from_pylist([by_index[d] for d in data["frontier"]])


def optimize(spec: PathLike, threads: int = 0) -> OptimizationResult:
    """Runs the design search of the spec file ``spec``, as ``workforce-sim optimize``."""
    _whole_number("threads", threads, 0, 4096)
    data, overlay = _native.optimize(os.fspath(spec), threads)
    return OptimizationResult(json.loads(data), json.loads(overlay))


class Explanation:
    """What drove a money metric's change (``workforce-sim explain``): ``drivers`` (a
    pyarrow table: name, amount, share, low, high), ``residual``, ``before``, ``after``,
    ``change`` and ``data`` (the JSON ``explain --json`` prints). The drivers plus the
    residual add up to the change."""

    def __init__(self, data: dict) -> None:
        self.data = data
        self.metric = data["metric"]
        self.before = data["before"]
        self.after = data["after"]
        self.change = data["change"]
        self.residual = data["residual"]
        self.drivers = pa.Table.from_pylist(data["drivers"])


def report(
    results: PathLike,
    xlsx: Optional[PathLike] = None,
    html: Optional[PathLike] = None,
    max_rows: Optional[int] = None,
    overwrite: bool = False,
) -> None:
    """Writes the Excel workbook and/or the self-contained HTML report of a run, batch,
    optimisation or backtest database, as ``workforce-sim report`` does."""
    if xlsx is None and html is None:
        raise WorkforceSimError("report: nothing to write: give xlsx= or html=")
    if max_rows is not None:
        _whole_number("max_rows", max_rows, 0, 2**63 - 1)
    _native.report(
        os.fspath(results),
        xlsx=None if xlsx is None else os.fspath(xlsx),
        html=None if html is None else os.fspath(html),
        max_rows=max_rows,
        overwrite=overwrite,
    )


def explain(
    results: Union[PathLike, list],
    metric: str = "employer_cost",
    start: Optional[int] = None,
    end: Optional[int] = None,
    base: Optional[str] = None,
    alternative: Optional[str] = None,
    year: Optional[int] = None,
) -> Explanation:
    """Explains a money metric's change (``workforce-sim explain``): between two years of a
    run (``start``, ``end``), between two runs (a list of two paths, in ``year``), or between
    two scenarios of a batch (``base``, ``alternative``, in ``year``)."""
    paths = [os.fspath(p) for p in results] if isinstance(results, (list, tuple)) else [os.fspath(results)]
    for name, v in (("start", start), ("end", end), ("year", year)):
        _whole_number(name, v, -(2**31), 2**31 - 1)
    return Explanation(json.loads(_native.explain(paths, metric, start, end, base, alternative, year)))
