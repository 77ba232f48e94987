"""The Python package against the command line: the same inputs give the same tables (to
the value), a bad census raises with its row and column, and a batch on Ray equals the
local batch number for number."""

import json
import os
import subprocess
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

import workforce_sim as ws

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray for the module's Ray tests (started once: each start and shutdown of a
    cluster is seconds and a chance for its processes to fail)."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield ray
    finally:
        ray.shutdown()


def cli() -> str:
    """The workforce-sim binary the tests compare with (the workspace's release build)."""
    exe = os.environ.get("WORKFORCE_SIM_BIN")
    if exe:
        return exe
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    exe = target / "release" / "workforce-sim"
    if not exe.exists():
        pytest.skip(f"no {exe}: build it with cargo build --release")
    return str(exe)


def read_stored(db: Path, table: str) -> pa.Table:
    """A stored table of a CLI database, read by the core (no Python DuckDB needed)."""
    return ws.BatchResult(db).table(table)


def plain(t: pa.Table) -> pa.Table:
    """Dictionary columns as their values (the store keeps them as ENUMs)."""
    cols = []
    for c in t.columns:
        if pa.types.is_dictionary(c.type):
            c = c.cast(c.type.value_type)
        cols.append(c)
    return pa.table(cols, names=t.column_names)


def test_simulate_equals_the_cli_for_the_same_inputs(tmp_path):
    run = ws.simulate(census=600, end_year=2027, seed=7)
    db = tmp_path / "cli.duckdb"
    subprocess.run(
        [cli(), "simulate", "--employees", "600", "--end-year", "2027", "--seed", "7", "--db", str(db)],
        check=True,
        capture_output=True,
    )
    for name, stored, key in [
        ("events", "event_records", "event_id"),
        ("snapshot", "snapshot_records", ["simulation_year", "employee_id"]),
        ("year_summary", "year_summary", "simulation_year"),
        # The whole money ledger: the rows stored and the contributions the view derives.
        ("plan_ledger", "plan_ledger_rows", "event_id"),
    ]:
        ours = plain(run.table(name))
        # (The stored snapshot also anchors the derived contributions: five more columns.)
        theirs = plain(read_stored(db, stored)).select(ours.column_names)
        keys = key if isinstance(key, list) else [key]
        order = [(k, "ascending") for k in keys]
        ours, theirs = ours.sort_by(order), theirs.sort_by(order)
        assert ours.num_rows > 0
        assert ours.column_names == theirs.column_names, name
        for col in ours.column_names:
            assert ours[col].equals(theirs[col].cast(ours[col].type)), f"{name}.{col}"
    assert run.year_summary.num_rows == 3
    assert [y["year"] for y in run.report["years"]] == [2025, 2026, 2027]


def test_the_results_are_arrow_tables_with_the_store_types():
    run = ws.simulate(census=200, end_year=2025)
    snap = run.snapshot
    assert isinstance(snap, pa.Table)
    assert snap.schema.field("current_compensation").type == pa.decimal128(15, 2)
    assert pa.types.is_dictionary(snap.schema.field("employment_status").type)
    assert run.events.num_rows > 0 and run.workforce_needs.num_rows == 1


def test_the_example_of_docs_python_md_with_polars_and_pandas(tmp_path):
    pl = pytest.importorskip("polars")
    pytest.importorskip("pandas")
    run = ws.simulate(census=400, seed=42, end_year=2027)
    summary = pl.from_arrow(run.year_summary)
    headcount = summary.select("simulation_year", "ending_headcount")
    assert headcount["simulation_year"].to_list() == [2025, 2026, 2027]
    # The year's ending headcount is its snapshot's active rows.
    snap = run.to_polars("snapshot")
    active = (
        snap.filter(pl.col("employment_status") == "active")
        .group_by("simulation_year")
        .len()
        .sort("simulation_year")
    )
    assert headcount["ending_headcount"].to_list() == active["len"].to_list()
    events = run.to_pandas("events")
    assert len(events) == run.events.num_rows and list(events.columns) == run.events.column_names
    assert events["event_id"].is_unique
    assert events["event_type"].astype(str).isin(["hire", "termination", "raise"]).any()
    # A Polars census is the same census as its CSV file.
    path = tmp_path / "census.csv"
    pacsv.write_csv(pa.table({"employee_id": ["E1", "E2"], "employee_ssn": ["S1", "S2"],
                              "employee_birth_date": ["1980-01-01", "1990-06-15"],
                              "employee_hire_date": ["2015-03-01", "2020-01-15"],
                              "employee_gross_compensation": [80000, 55000],
                              "active": [True, True]}), path)
    from_polars = ws.simulate(census=pl.read_csv(path), end_year=2025)
    assert from_polars.snapshot.equals(ws.simulate(census=path, end_year=2025).snapshot)
    # The plot (Polars draws with altair): a line over the three years.
    pytest.importorskip("altair")
    chart = headcount.plot.line(x="simulation_year", y="ending_headcount").to_dict()
    assert chart["mark"]["type"] == "line"
    (values,) = chart["datasets"].values()
    assert [v["ending_headcount"] for v in values] == headcount["ending_headcount"].to_list()


def test_write_duckdb_writes_what_the_cli_writes(tmp_path):
    run = ws.simulate(census=300, end_year=2026)
    ours = run.write_duckdb(tmp_path / "py.duckdb")
    theirs = tmp_path / "cli.duckdb"
    subprocess.run(
        [cli(), "simulate", "--employees", "300", "--end-year", "2026", "--db", str(theirs)],
        check=True,
        capture_output=True,
    )
    for t in ["event_records", "snapshot_records", "year_summary"]:
        assert read_stored(ours, t).equals(read_stored(theirs, t)), t


def test_a_dict_config_and_a_table_census(tmp_path):
    census = tmp_path / "census.csv"
    census.write_text(
        "employee_id,employee_ssn,employee_birth_date,employee_hire_date,employee_gross_compensation,active\n"
        "E1,S1,1980-01-01,2015-03-01,80000,true\n"
        "E2,S2,1990-06-15,2020-01-15,55000,true\n"
    )
    by_path = ws.simulate(census=census, config={"simulation": {"end_year": 2025}})
    by_table = ws.simulate(census=pacsv.read_csv(census), config={"simulation": {"end_year": 2025}})
    assert by_path.snapshot.equals(by_table.snapshot)
    assert by_path.config["simulation"]["end_year"] == 2025


def test_a_bad_census_raises_with_the_row_and_column(tmp_path):
    census = tmp_path / "bad.csv"
    census.write_text(
        "employee_id,employee_ssn,employee_birth_date,employee_hire_date,employee_gross_compensation,active\n"
        "E1,S1,1980-01-01,2015-03-01,80000,true\n"
        "E2,S2,1990-13-45,2020-01-15,55000,true\n"
    )
    with pytest.raises(ws.WorkforceSimError) as e:
        ws.simulate(census=census)
    text = str(e.value)
    assert "bad.csv" in text and "3" in text and "employee_birth_date" in text, text


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ws.WorkforceSimError, match="engine"):
        ws.simulate(census=10, engine="spark")
    with pytest.raises(ws.WorkforceSimError, match="configuration"):
        ws.simulate(census=10, config={"simulation": {"no_such_key": 1}})
    with pytest.raises(ws.WorkforceSimError, match="no table"):
        ws.simulate(census=10, end_year=2025).table("nope")
    # Numbers out of range are WorkforceSimError naming the argument, never OverflowError.
    for kwargs, name in [
        ({"census": -1}, "census"),
        ({"census": 10**11}, "census"),
        ({"census": 10, "seed": -1}, "seed"),
        ({"census": 10, "seed": 2**70}, "seed"),
        ({"census": 10, "end_year": 2**40}, "end_year"),
        ({"census": 10, "threads": -2}, "threads"),
    ]:
        with pytest.raises(ws.WorkforceSimError, match=name):
            ws.simulate(**kwargs)


def test_a_none_in_a_batch_dict_names_its_key(tmp_path):
    import tomllib

    spec = tomllib.loads(BATCH)
    spec["scenario"][1]["label"] = None
    with pytest.raises(ws.WorkforceSimError, match=r"scenario\[1\]\.label is None"):
        ws.batch(spec, db=tmp_path / "none.duckdb")
    assert not (tmp_path / "none.duckdb").exists()


BATCH = """
[batch]
employees = 300
seeds = { start = 1, count = 6 }
detail = "none"

[[scenario]]
id = "baseline"
label = "Baseline"

[[scenario]]
id = "ae_6"
label = "Auto-enroll at 6%"
[scenario.overlay.plan.auto_enrollment]
scope = "all_eligible_employees"
default_deferral_rate = 0.06
"""


ORDER = {
    "batch_year_summary": ["scenario_id", "seed", "simulation_year"],
    "batch_bands": ["scenario_id", "simulation_year", "metric"],
}


def sorted_table(result, name: str) -> pa.Table:
    return result.table(name).sort_by([(k, "ascending") for k in ORDER[name]])


def batch_file(tmp_path) -> Path:
    spec = tmp_path / "b.toml"
    spec.write_text(BATCH)
    return spec


def test_batch_returns_the_tables_of_the_cli_batch(tmp_path):
    spec = batch_file(tmp_path)
    result = ws.batch(spec, db=tmp_path / "py.duckdb")
    subprocess.run([cli(), "batch", str(spec), "--db", str(tmp_path / "cli.duckdb")], check=True, capture_output=True)
    cli_result = ws.BatchResult(tmp_path / "cli.duckdb")
    assert "batch_year_summary" in result.tables()
    for t in ORDER:
        assert result.table(t).num_rows > 0
        assert sorted_table(result, t).equals(sorted_table(cli_result, t)), t


def test_a_dict_batch_and_the_comparison(tmp_path):
    import tomllib

    spec = batch_file(tmp_path)
    from_file = ws.batch(spec, db=tmp_path / "file.duckdb")
    from_dict = ws.batch(tomllib.loads(BATCH), db=tmp_path / "dict.duckdb")
    for t in ORDER:
        assert sorted_table(from_file, t).equals(sorted_table(from_dict, t)), t
    diff = from_file.compare("baseline", "ae_6")
    assert diff.num_rows > 0 and {"year", "metric", "pairs", "mean", "p5", "p95"} <= set(diff.column_names)
    assert all(p == 6 for p in diff.column("pairs").to_pylist())
    out = subprocess.run(
        [cli(), "compare", "--db", str(tmp_path / "file.duckdb"), "baseline", "ae_6", "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    import json

    cli_rows = json.loads(out.stdout)
    assert diff.to_pylist() == (cli_rows if isinstance(cli_rows, list) else cli_rows["differences"])


def test_ray_batch_equals_the_local_batch(local_ray, tmp_path):
    from workforce_sim import ray as wsray

    spec = batch_file(tmp_path)
    local = ws.batch(spec, db=tmp_path / "local.duckdb")
    distributed = wsray.run_batch(spec, db=tmp_path / "ray.duckdb", shards=3)
    for t in ORDER:
        a, b = sorted_table(local, t), sorted_table(distributed, t)
        assert a.num_rows == 2 * 6 * 5 or t != "batch_year_summary"
        assert a.num_rows > 0
        assert a.equals(b), t


def test_ray_batch_resolves_relative_paths_and_has_one_driver_per_db(local_ray, tmp_path, monkeypatch):
    from workforce_sim import ray as wsray
    from workforce_sim import _native

    # A batch file naming its base configuration relatively, run from another folder: the
    # workers read it as the driver's file (it used to resolve against a temporary copy).
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "base.toml").write_text("[workforce]\ntotal_termination_rate = 0.2\n")
    spec = folder / "b.toml"
    spec.write_text(BATCH.replace("[batch]\n", '[batch]\nconfig = "base.toml"\n'))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    local = ws.batch(spec, db=tmp_path / "local.duckdb")
    distributed = wsray.run_batch(spec, db=tmp_path / "ray.duckdb", shards=2)
    for t in ORDER:
        assert sorted_table(local, t).equals(sorted_table(distributed, t)), t
    # A second driver on the same db fails at once and leaves the first one's scratch.
    held = tmp_path / "busy.duckdb.shards.partial"
    with _native.OutputLock(str(held)):
        held.mkdir()
        (held / "shard-1-of-2.duckdb").write_bytes(b"first driver's")
        with pytest.raises(ws.WorkforceSimError, match="in use by process"):
            wsray.run_batch(spec, db=tmp_path / "busy.duckdb", shards=2)
        assert (held / "shard-1-of-2.duckdb").read_bytes() == b"first driver's"
    assert not (tmp_path / "busy.duckdb").exists()


def test_ray_batch_brings_back_the_runs_kept_in_full(local_ray, tmp_path):
    from workforce_sim import ray as wsray

    spec = tmp_path / "b.toml"
    spec.write_text(BATCH.replace('detail = "none"', 'detail = "first_seed"'))
    local = ws.batch(spec, db=tmp_path / "local.duckdb")
    distributed = wsray.run_batch(spec, db=tmp_path / "ray.duckdb", shards=2)
    with pytest.raises(FileExistsError, match="exists"):
        wsray.run_batch(spec, db=tmp_path / "ray.duckdb", shards=2)
    before = {t: sorted_table(distributed, t) for t in ORDER}
    # A rerun that fails (every shard refuses the batch file) leaves the last good
    # result whole: its tables, and the runs it keeps in full.
    bad = tmp_path / "bad.toml"
    bad.write_text(spec.read_text().replace("default_deferral_rate = 0.06", "default_deferral_rate = 6"))
    with pytest.raises(Exception, match="deferral"):
        wsray.run_batch(bad, db=tmp_path / "ray.duckdb", shards=2, overwrite=True)
    assert not (tmp_path / "ray.duckdb.shards.partial").exists()
    for t in ORDER:
        assert sorted_table(local, t).equals(sorted_table(distributed, t)), t
        assert before[t].equals(sorted_table(distributed, t)), t

    def kept(result):
        runs = result.table("batch_runs").to_pylist()
        return {(r["scenario_id"], r["seed"]): r["detail_database"] for r in runs if r["detail_database"]}

    ours, theirs = kept(local), kept(distributed)
    # The first seed of each scenario is kept in full, the same run in both.
    assert set(ours) == set(theirs) == {("baseline", 1), ("ae_6", 1)}
    for key, path in theirs.items():
        # Where the local batch puts them: DB.runs/N/SCENARIO-seedK.duckdb.
        assert Path(path).is_file(), path
        assert Path(path).parent.parent == tmp_path / "ray.duckdb.runs", path
        assert Path(path).name == Path(ours[key]).name, (path, ours[key])
        for table in ["event_records", "snapshot_records"]:
            a, b = read_stored(Path(ours[key]), table), read_stored(Path(path), table)
            assert a.num_rows > 0 and a.equals(b), (key, table)


def test_ray_shards_from_other_machines_come_back_through_the_object_store(local_ray, tmp_path, monkeypatch):
    """Every task taken for one on another node (the driver's node id is not theirs): each
    writes its shard in a temporary directory of its own and returns it as bytes, which the
    driver writes and merges; tables and the runs kept in full equal the local batch's."""
    from workforce_sim import ray as wsray

    spec = tmp_path / "b.toml"
    spec.write_text(BATCH.replace('detail = "none"', 'detail = "first_seed"'))
    local = ws.batch(spec, db=tmp_path / "local.duckdb")
    monkeypatch.setattr(wsray, "_driver_node", lambda: "a-node-that-runs-no-task")
    remote = wsray.run_batch(spec, db=tmp_path / "remote.duckdb", shards=2)
    for t in ORDER:
        assert sorted_table(local, t).equals(sorted_table(remote, t)), t
    runs = [r for r in remote.table("batch_runs").to_pylist() if r["detail_database"]]
    assert len(runs) == 2
    for r in runs:
        path = Path(r["detail_database"])
        assert path.parent.parent == tmp_path / "remote.duckdb.runs", path
        theirs = tmp_path / "local.duckdb.runs" / "1" / path.name
        for table in ["event_records", "snapshot_records"]:
            a, b = read_stored(theirs, table), read_stored(path, table)
            assert a.num_rows > 0 and a.equals(b), (path, table)
    assert not (tmp_path / "remote.duckdb.shards.partial").exists()


def _history(tmp_path, years=range(2025, 2029), employees=1500):
    """A simulated history exported year by year with ``census export``."""
    db = tmp_path / "history.duckdb"
    subprocess.run(
        [cli(), "simulate", "--employees", str(employees), "--end-year", str(max(years)), "--db", str(db)],
        check=True,
        capture_output=True,
    )
    files = []
    for y in years:
        out = tmp_path / f"census_{y}.csv"
        subprocess.run(
            [cli(), "census", "export", "--db", str(db), "--year", str(y), "--out", str(out)],
            check=True,
            capture_output=True,
        )
        files.append(out)
    return files


def test_fit_and_backtest_return_the_cli_figures(tmp_path):
    """``fit`` gives the estimates ``fit --json`` prints and an overlay dict that
    ``simulate`` accepts as it is; ``backtest`` gives the scorecard's rows."""
    files = _history(tmp_path)
    f = ws.fit(files)
    out = subprocess.run([cli(), "fit", *map(str, files), "--json"], check=True, capture_output=True, text=True)
    cli_fit = json.loads(out.stdout)
    assert f.inputs_digest == cli_fit["inputs_digest"]
    assert f.estimates.column("fitted").to_pylist() == [e["fitted"] for e in cli_fit["estimates"]]
    keys = f.estimates.column("key").to_pylist()
    assert "workforce.total_termination_rate" in keys
    assert f.overlay["workforce"]["census_year_hires_are_new"] is True
    # The overlay continues from the last snapshot (2028): 2029 on, its census dated 2028.
    run = ws.simulate(census=files[-1], config=f.overlay)
    assert run.year_summary.column("simulation_year").to_pylist()[0] == 2029
    b = ws.backtest(files, seeds=4, threads=2)
    assert b.held_out_years == [2028] and len(b.seeds) == 4
    assert b.scores.num_rows > 0 and "| 2028 | headcount |" in b.markdown
    assert set(b.scores.column("status").to_pylist()) <= {"pass", "warn", "fail"}


def test_fit_errors_name_the_argument_or_the_file(tmp_path):
    files = _history(tmp_path, years=range(2025, 2027), employees=200)
    with pytest.raises(ws.WorkforceSimError, match="credibility_k"):
        ws.fit(files, credibility_k=-1)
    with pytest.raises(ws.WorkforceSimError, match="needs 2 to 10"):
        ws.fit(files[:1])
    with pytest.raises(ws.WorkforceSimError, match="holdout"):
        ws.backtest(files, holdout=0)
    with pytest.raises(ws.WorkforceSimError, match="cannot hold out"):
        ws.backtest(files, holdout=1)
    with pytest.raises(TypeError):
        ws.fit(str(files[0]))


def test_calibrate_solves_a_lever_and_errors_name_the_argument():
    """The merit budget whose payroll growth is what 4.5% gives, found again."""
    c = ws.calibrate(
        "compensation.merit_budget", range=(0.0, 0.10), target=("payroll_growth", 0.07), seeds=3, census=500, tolerance=1e-6
    )
    assert 0.0 < c.value < 0.10 and c.evaluations.num_rows >= 3
    assert abs(c.data["at_solution"]["mean"] - 0.07) <= 1e-6
    assert c.overlay["compensation"]["merit_budget"] == c.value
    with pytest.raises(ws.WorkforceSimError, match="out of reach"):
        ws.calibrate("compensation.merit_budget", range=(0.0, 0.10), target=("payroll_growth", 0.9), seeds=2, census=300)
    with pytest.raises(ws.WorkforceSimError, match="seeds"):
        ws.calibrate("compensation.merit_budget", range=(0.0, 0.10), target=("payroll_growth", 0.07), seeds=0)
    with pytest.raises(ws.WorkforceSimError, match="not a target"):
        ws.calibrate("compensation.merit_budget", range=(0.0, 0.10), target=("happiness", 1.0), seeds=2, census=300)


def test_optimize_returns_the_cli_result(tmp_path):
    spec = tmp_path / "opt.toml"
    spec.write_text(
        """
[base]
employees = 300
seeds = 8
max_runs = 100
first_seeds = 2

[[lever]]
key = "plan.employer_core.rate"
values = [0.0, 0.02]

[objective]
metric = "employer_cost"
sense = "minimize"

[[constraint]]
metric = "participation_rate"
at_least = 0.5
probability = 0.6
"""
    )
    o = ws.optimize(spec, threads=2)
    out = subprocess.run([cli(), "optimize", str(spec), "--json"], check=True, capture_output=True, text=True)
    assert o.data == json.loads(out.stdout)
    assert o.best == 0 and o.overlay["plan"]["employer_core"]["rate"] == 0.0
    assert o.candidates.num_rows == 2


def test_the_workbook_and_report_hold_the_runs_figures(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    sim = ws.simulate(census=300)
    xlsx = sim.to_excel(tmp_path / "run.xlsx")
    html = sim.report_html(tmp_path / "run.html")
    book = openpyxl.load_workbook(xlsx, read_only=True)
    assert {"Summary", "Compliance", "Snapshot", "Metadata"} <= set(book.sheetnames)
    rows = list(book["Summary"].iter_rows(values_only=True))
    col = rows[0].index("Payroll")
    got = [round(r[col] * 100) for r in rows[1:]]
    want = [int(v * 100) for v in sim.year_summary.column("payroll").to_pylist()]
    assert got == want
    assert all(isinstance(r[col], float) for r in rows[1:])
    assert "<svg" in html.read_text() and "http" not in html.read_text().replace("http://www.w3.org/2000/svg", "")
    x = sim.explain("employer_cost")
    cents = lambda v: round(v * 100)
    assert sum(cents(a) for a in x.drivers.column("amount").to_pylist()) + cents(x.residual) == cents(x.after) - cents(x.before)
    with pytest.raises(ws.WorkforceSimError, match="not a money metric"):
        sim.explain("happiness")
