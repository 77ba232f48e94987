//! The database of a batch: what every run kept (its per-year summary, keyed by scenario,
//! seed and year), the ensemble bands and threshold probabilities, and the runs themselves;
//! with a variance attribution, its runs' summaries (keyed also by design) and the shares.
//! Written in one transaction to `FILE.partial` and renamed over `FILE` when complete, like a
//! run's database; an existing file is replaced only when asked.

mod parquet_files;

pub use parquet_files::write_batch_parquet;

use crate::exec::Executor;
use crate::{encode, StoreError};
use duckdb::arrow::array::{
    ArrayRef, Decimal128Array, Float64Array, Int32Array, Int64Array, StringArray, UInt64Array,
};
use duckdb::arrow::record_batch::RecordBatch;
use std::path::Path;
use std::sync::Arc;
use workforce_sim_core::report::YearSummary;

/// A summary money total as it is stored (DECIMAL(18,2)) and read back: its cents, as
/// dollars. Ensemble statistics are taken over these values, so a batch merged from shard
/// databases gives the bands of the unsharded batch bit for bit.
pub fn stored_money(x: f64) -> f64 {
    encode::total(x) as f64 / 100.0
}

/// The employer's cost of a year as stored: match plus core, each in cents.
pub fn stored_cost(s: &YearSummary) -> f64 {
    (encode::total(s.employer_match) + encode::total(s.employer_core)) as f64 / 100.0
}

/// One run of the batch.
#[derive(Debug, Clone)]
pub struct BatchRunRow {
    pub scenario_id: String,
    pub label: String,
    pub seed: u64,
    /// `ensemble`, or the attribution design (`resample`, or the varied subsystem).
    pub design: String,
    pub config_fingerprint: String,
    pub seconds: f64,
    /// The run's own results database, when it is kept in full.
    pub detail: Option<String>,
}

/// One year of one run.
#[derive(Debug, Clone)]
pub struct BatchYearRow<'a> {
    pub scenario_id: &'a str,
    pub seed: u64,
    /// Stored in `batch_attribution_summary` only (the ensemble's rows are all `ensemble`).
    pub design: &'a str,
    pub summary: &'a YearSummary,
}

/// One band: a scenario, year and metric over the seeds.
#[derive(Debug, Clone)]
pub struct BandRow<'a> {
    pub scenario_id: &'a str,
    pub year: i32,
    pub metric: &'static str,
    pub runs: u64,
    /// mean, sd, p5, p25, p50, p75, p95
    pub stats: [f64; 7],
}

/// One threshold probability of a scenario.
#[derive(Debug, Clone)]
pub struct ThresholdRow<'a> {
    pub scenario_id: &'a str,
    pub metric: &'static str,
    pub year: i32,
    /// `above` or `below`.
    pub comparison: &'static str,
    pub value: f64,
    pub runs: u64,
    pub probability: f64,
}

/// One variance share: of a metric in a scenario and year, to one subsystem.
#[derive(Debug, Clone)]
pub struct ShareRow<'a> {
    pub scenario_id: &'a str,
    pub year: i32,
    pub metric: &'static str,
    pub subsystem: &'static str,
    pub points: u64,
    pub variance: f64,
    /// first order, its standard error, total effect, its standard error (NULL when the
    /// metric does not vary).
    pub shares: [Option<f64>; 4],
}

/// Everything a batch database holds.
pub struct BatchTables<'a> {
    /// The batch file as JSON.
    pub batch_json: String,
    /// What the results rest on beyond the file's text, as a JSON object (the build, each
    /// scenario's resolved configuration, the census content): a merge compares it.
    pub inputs_json: String,
    /// `(index, count)` of a shard's partition (1-based); `None` for a whole batch.
    pub shard: Option<(u32, u32)>,
    /// The generation of the runs kept in full and the charts this database names
    /// (`DB.runs/N/`, `DB.charts/N/`).
    pub generation: u64,
    pub runs: Vec<BatchRunRow>,
    pub years: Vec<BatchYearRow<'a>>,
    pub bands: Vec<BandRow<'a>>,
    pub thresholds: Vec<ThresholdRow<'a>>,
    /// The summaries of the attribution's runs (not the ensemble's).
    pub attribution_years: Vec<BatchYearRow<'a>>,
    pub attribution: Vec<ShareRow<'a>>,
}

/// The summary columns after the key (`scenario_id, seed[, design], simulation_year`).
const SUMMARY_COLUMNS: &str = "starting_headcount BIGINT, headcount BIGINT, hires BIGINT,
        experienced_terminations BIGINT, new_hire_terminations BIGINT, terminations BIGINT, promotions BIGINT,
        raises BIGINT, payroll DECIMAL(18,2), prorated_payroll DECIMAL(18,2), eligible BIGINT,
        participants BIGINT, participation_rate DOUBLE, average_deferral_rate DOUBLE, enrollments BIGINT,
        opt_outs BIGINT, escalations BIGINT, employee_deferrals DECIMAL(18,2), employer_match DECIMAL(18,2),
        employer_core DECIMAL(18,2), employer_cost DECIMAL(18,2), forfeitures DECIMAL(18,2), hce_count BIGINT";

/// The batch tables, `batch_metadata` first, then in the order of [`PARQUET_VIEWS`].
fn schema() -> [String; 7] {
    [
    "CREATE TABLE batch_metadata (created_at TIMESTAMP NOT NULL, tool_version VARCHAR NOT NULL,
        batch_json VARCHAR NOT NULL, runs BIGINT NOT NULL, shard_index INTEGER, shard_count INTEGER,
        inputs_json VARCHAR, generation UBIGINT)".into(),
    "CREATE TABLE batch_runs (scenario_id VARCHAR NOT NULL, label VARCHAR NOT NULL, seed UBIGINT NOT NULL,
        design VARCHAR NOT NULL, config_fingerprint VARCHAR NOT NULL, seconds DOUBLE NOT NULL,
        detail_database VARCHAR)".into(),
    format!("CREATE TABLE batch_year_summary (scenario_id VARCHAR NOT NULL, seed UBIGINT NOT NULL,
        simulation_year INTEGER NOT NULL, {SUMMARY_COLUMNS})"),
    "CREATE TABLE batch_bands (scenario_id VARCHAR NOT NULL, simulation_year INTEGER NOT NULL,
        metric VARCHAR NOT NULL, runs BIGINT NOT NULL, mean DOUBLE, sd DOUBLE, p5 DOUBLE, p25 DOUBLE,
        p50 DOUBLE, p75 DOUBLE, p95 DOUBLE)".into(),
    "CREATE TABLE batch_thresholds (scenario_id VARCHAR NOT NULL, metric VARCHAR NOT NULL,
        simulation_year INTEGER NOT NULL, comparison VARCHAR NOT NULL, value DOUBLE NOT NULL,
        runs BIGINT NOT NULL, probability DOUBLE)".into(),
    format!("CREATE TABLE batch_attribution_summary (scenario_id VARCHAR NOT NULL, seed UBIGINT NOT NULL,
        design VARCHAR NOT NULL, simulation_year INTEGER NOT NULL, {SUMMARY_COLUMNS})"),
    "CREATE TABLE batch_attribution (scenario_id VARCHAR NOT NULL, simulation_year INTEGER NOT NULL,
        metric VARCHAR NOT NULL, subsystem VARCHAR NOT NULL, points BIGINT NOT NULL, variance DOUBLE,
        first_order DOUBLE, first_order_se DOUBLE, total_effect DOUBLE, total_effect_se DOUBLE)".into(),
    ]
}

fn encode_error(table: &'static str) -> impl Fn(duckdb::arrow::error::ArrowError) -> StoreError {
    move |e| StoreError::Encode {
        table,
        message: e.to_string(),
    }
}

fn text<'a>(v: impl Iterator<Item = &'a str>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(v))
}

fn int(v: impl Iterator<Item = i64>) -> ArrayRef {
    Arc::new(Int64Array::from_iter_values(v))
}

fn float(v: impl Iterator<Item = f64>) -> ArrayRef {
    Arc::new(Float64Array::from_iter_values(v))
}

fn money(table: &'static str, v: impl Iterator<Item = f64>) -> Result<ArrayRef, StoreError> {
    Ok(Arc::new(
        Decimal128Array::from_iter_values(v.map(encode::total))
            .with_precision_and_scale(18, 2)
            .map_err(encode_error(table))?,
    ))
}

fn runs_batch(rows: &[BatchRunRow]) -> Result<RecordBatch, StoreError> {
    let r = || rows.iter();
    RecordBatch::try_from_iter([
        ("scenario_id", text(r().map(|x| x.scenario_id.as_str()))),
        ("label", text(r().map(|x| x.label.as_str()))),
        (
            "seed",
            Arc::new(UInt64Array::from_iter_values(r().map(|x| x.seed))) as ArrayRef,
        ),
        ("design", text(r().map(|x| x.design.as_str()))),
        (
            "config_fingerprint",
            text(r().map(|x| x.config_fingerprint.as_str())),
        ),
        ("seconds", float(r().map(|x| x.seconds))),
        (
            "detail_database",
            Arc::new(StringArray::from_iter(r().map(|x| x.detail.as_deref()))),
        ),
    ])
    .map_err(encode_error("batch_runs"))
}

/// The rows of `batch_year_summary`, or with `design` of `batch_attribution_summary`.
fn years_batch(rows: &[BatchYearRow<'_>], design: bool) -> Result<RecordBatch, StoreError> {
    const T: &str = "batch_year_summary";
    let s = || rows.iter().map(|x| x.summary);
    let count = |f: fn(&YearSummary) -> u64| int(s().map(move |y| f(y) as i64));
    let key = [
        ("scenario_id", text(rows.iter().map(|x| x.scenario_id))),
        (
            "seed",
            Arc::new(UInt64Array::from_iter_values(rows.iter().map(|x| x.seed))) as ArrayRef,
        ),
    ];
    let designs = design.then(|| ("design", text(rows.iter().map(|x| x.design))));
    RecordBatch::try_from_iter(key.into_iter().chain(designs).chain([
        (
            "simulation_year",
            Arc::new(Int32Array::from_iter_values(s().map(|y| y.year))) as ArrayRef,
        ),
        ("starting_headcount", count(|y| y.starting_headcount)),
        ("headcount", count(|y| y.ending_headcount)),
        ("hires", count(|y| y.hires)),
        (
            "experienced_terminations",
            count(|y| y.experienced_terminations),
        ),
        ("new_hire_terminations", count(|y| y.new_hire_terminations)),
        (
            "terminations",
            count(|y| y.experienced_terminations + y.new_hire_terminations),
        ),
        ("promotions", count(|y| y.promotions)),
        ("raises", count(|y| y.raises)),
        ("payroll", money(T, s().map(|y| y.payroll))?),
        (
            "prorated_payroll",
            money(T, s().map(|y| y.prorated_payroll))?,
        ),
        ("eligible", count(|y| y.eligible)),
        ("participants", count(|y| y.participants)),
        (
            "participation_rate",
            float(s().map(|y| y.participation_rate)),
        ),
        (
            "average_deferral_rate",
            float(s().map(|y| y.average_deferral_rate)),
        ),
        ("enrollments", count(|y| y.enrollments)),
        ("opt_outs", count(|y| y.opt_outs)),
        ("escalations", count(|y| y.escalations)),
        (
            "employee_deferrals",
            money(T, s().map(|y| y.employee_contributions))?,
        ),
        ("employer_match", money(T, s().map(|y| y.employer_match))?),
        ("employer_core", money(T, s().map(|y| y.employer_core))?),
        ("employer_cost", money(T, s().map(stored_cost))?),
        ("forfeitures", money(T, s().map(|y| y.forfeitures))?),
        ("hce_count", count(|y| y.hce_count)),
    ]))
    .map_err(encode_error(T))
}

fn shares_batch(rows: &[ShareRow<'_>]) -> Result<RecordBatch, StoreError> {
    let share = |k: usize| -> ArrayRef {
        Arc::new(Float64Array::from_iter(
            rows.iter().map(move |r| r.shares[k]),
        ))
    };
    RecordBatch::try_from_iter([
        ("scenario_id", text(rows.iter().map(|r| r.scenario_id))),
        (
            "simulation_year",
            Arc::new(Int32Array::from_iter_values(rows.iter().map(|r| r.year))) as ArrayRef,
        ),
        ("metric", text(rows.iter().map(|r| r.metric))),
        ("subsystem", text(rows.iter().map(|r| r.subsystem))),
        ("points", int(rows.iter().map(|r| r.points as i64))),
        ("variance", float(rows.iter().map(|r| r.variance))),
        ("first_order", share(0)),
        ("first_order_se", share(1)),
        ("total_effect", share(2)),
        ("total_effect_se", share(3)),
    ])
    .map_err(encode_error("batch_attribution"))
}

fn bands_batch(rows: &[BandRow<'_>]) -> Result<RecordBatch, StoreError> {
    let stat = |k: usize| float(rows.iter().map(move |b| b.stats[k]));
    RecordBatch::try_from_iter([
        ("scenario_id", text(rows.iter().map(|b| b.scenario_id))),
        (
            "simulation_year",
            Arc::new(Int32Array::from_iter_values(rows.iter().map(|b| b.year))) as ArrayRef,
        ),
        ("metric", text(rows.iter().map(|b| b.metric))),
        ("runs", int(rows.iter().map(|b| b.runs as i64))),
        ("mean", stat(0)),
        ("sd", stat(1)),
        ("p5", stat(2)),
        ("p25", stat(3)),
        ("p50", stat(4)),
        ("p75", stat(5)),
        ("p95", stat(6)),
    ])
    .map_err(encode_error("batch_bands"))
}

fn thresholds_batch(rows: &[ThresholdRow<'_>]) -> Result<RecordBatch, StoreError> {
    RecordBatch::try_from_iter([
        ("scenario_id", text(rows.iter().map(|t| t.scenario_id))),
        ("metric", text(rows.iter().map(|t| t.metric))),
        (
            "simulation_year",
            Arc::new(Int32Array::from_iter_values(rows.iter().map(|t| t.year))) as ArrayRef,
        ),
        ("comparison", text(rows.iter().map(|t| t.comparison))),
        ("value", float(rows.iter().map(|t| t.value))),
        ("runs", int(rows.iter().map(|t| t.runs as i64))),
        ("probability", float(rows.iter().map(|t| t.probability))),
    ])
    .map_err(encode_error("batch_thresholds"))
}

/// The `batch_metadata` row of a batch (or shard) database or catalog.
fn metadata_insert(t: &BatchTables<'_>) -> String {
    let (index, count) = match t.shard {
        Some((i, n)) => (i.to_string(), n.to_string()),
        None => ("NULL".into(), "NULL".into()),
    };
    format!(
        "INSERT INTO batch_metadata VALUES (now()::TIMESTAMP, {}, {}, {}, {index}, {count}, {}, {})",
        crate::schema::quote(crate::BUILD),
        crate::schema::quote(&t.batch_json),
        t.runs.len(),
        crate::schema::quote(&t.inputs_json),
        t.generation,
    )
}

/// Writes a batch database at `path`: to `path.partial` in one transaction, checkpointed,
/// then renamed over `path`. An existing `path` is an error unless `overwrite`.
pub fn write_batch(path: &Path, t: &BatchTables<'_>, overwrite: bool) -> Result<(), StoreError> {
    let state = |message: String| StoreError::State {
        path: path.to_path_buf(),
        message,
    };
    if path.exists() && !overwrite {
        return Err(StoreError::Exists {
            path: path.to_path_buf(),
        });
    }
    for p in [path.to_path_buf(), crate::place::partial_path(path)] {
        use crate::ownership::{database_kind, refusal, DatabaseKind};
        if p.exists() {
            match database_kind(&p) {
                DatabaseKind::Batch => {}
                kind => return Err(refusal(&p, kind, "a batch database", "replace")),
            }
        }
    }
    let tmp = crate::place::partial_path(path);
    for p in [tmp.clone(), crate::place::beside(&tmp, ".wal")] {
        if p.exists() {
            std::fs::remove_file(&p)
                .map_err(|e| state(format!("cannot remove {}: {e}", p.display())))?;
        }
    }
    {
        let x = Executor::open(&tmp)?;
        let tx = x.begin("begin batch")?;
        x.run("create batch schema", schema().iter().map(String::as_str))?;
        x.run("write batch metadata", [metadata_insert(t).as_str()])?;
        x.insert("write runs", "batch_runs", runs_batch(&t.runs)?)?;
        x.insert(
            "write summaries",
            "batch_year_summary",
            years_batch(&t.years, false)?,
        )?;
        x.insert("write bands", "batch_bands", bands_batch(&t.bands)?)?;
        x.insert(
            "write thresholds",
            "batch_thresholds",
            thresholds_batch(&t.thresholds)?,
        )?;
        x.insert(
            "write attribution summaries",
            "batch_attribution_summary",
            years_batch(&t.attribution_years, true)?,
        )?;
        x.insert(
            "write attribution",
            "batch_attribution",
            shares_batch(&t.attribution)?,
        )?;
        tx.commit("commit batch")?;
        x.run("checkpoint", ["CHECKPOINT"])?;
    }
    crate::place::sync_file(&tmp)
        .map_err(|e| state(format!("cannot flush {}: {e}", tmp.display())))?;
    crate::place::fault::point("batch:database-written");
    std::fs::rename(&tmp, path)
        .and_then(|()| crate::place::sync_parent(path))
        .map_err(|e| state(format!("cannot rename {}: {e}", tmp.display())))
}

/// A shard's database read back: its batch file, its partition and what its runs kept.
pub struct BatchPart {
    pub batch_json: String,
    /// [`BatchTables::inputs_json`]; `None` from a build that did not record it.
    pub inputs_json: Option<String>,
    pub shard: Option<(u32, u32)>,
    pub runs: Vec<BatchRunRow>,
    /// `(scenario_id, seed, summary)`; the summary has the stored fields (the others 0).
    pub years: Vec<(String, u64, YearSummary)>,
    /// `(scenario_id, seed, design, summary)` of the attribution's runs.
    pub attribution_years: Vec<(String, u64, String, YearSummary)>,
}

/// The summary columns as read back (money in cents), after the key columns.
const SUMMARY_READ: &str = "simulation_year, starting_headcount, headcount, hires,
                experienced_terminations, new_hire_terminations, promotions, raises,
                (payroll * 100)::BIGINT, (prorated_payroll * 100)::BIGINT, eligible, participants,
                participation_rate, average_deferral_rate, enrollments, opt_outs, escalations,
                (employee_deferrals * 100)::BIGINT, (employer_match * 100)::BIGINT,
                (employer_core * 100)::BIGINT, (forfeitures * 100)::BIGINT, hce_count";

/// A summary read with [`SUMMARY_READ`] from column `at` on.
fn summary_at(r: &duckdb::Row<'_>, at: usize) -> duckdb::Result<YearSummary> {
    let n = |k: usize| -> duckdb::Result<u64> { Ok(r.get::<_, i64>(at + k)? as u64) };
    let money = |k: usize| -> duckdb::Result<f64> { Ok(r.get::<_, i64>(at + k)? as f64 / 100.0) };
    Ok(YearSummary {
        year: r.get(at)?,
        starting_headcount: n(1)?,
        ending_headcount: n(2)?,
        hires: n(3)?,
        experienced_terminations: n(4)?,
        new_hire_terminations: n(5)?,
        promotions: n(6)?,
        raises: n(7)?,
        payroll: money(8)?,
        prorated_payroll: money(9)?,
        eligible: n(10)?,
        participants: n(11)?,
        participation_rate: r.get(at + 12)?,
        average_deferral_rate: r.get(at + 13)?,
        enrollments: n(14)?,
        opt_outs: n(15)?,
        escalations: n(16)?,
        employee_contributions: money(17)?,
        employer_match: money(18)?,
        employer_core: money(19)?,
        forfeitures: money(20)?,
        hce_count: n(21)?,
        ..Default::default()
    })
}

/// Reads a batch (or shard) database written by [`write_batch`].
pub fn read_batch(path: &Path) -> Result<BatchPart, StoreError> {
    let x = Executor::open_read_only(path)?;
    let recorded: i64 = x.query_row(
        "read batch metadata",
        "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'batch_metadata' AND column_name = 'inputs_json'",
        [],
        |r| r.get(0),
    )?;
    let inputs = if recorded > 0 { "inputs_json" } else { "NULL" };
    type Meta = (String, Option<i32>, Option<i32>, Option<String>);
    let (batch_json, index, count, inputs_json): Meta = x.query_row(
        "read batch metadata",
        &format!("SELECT batch_json, shard_index, shard_count, {inputs} FROM batch_metadata"),
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let runs = x.query(
        "read batch runs",
        "SELECT scenario_id, label, seed, design, config_fingerprint, seconds, detail_database
         FROM batch_runs",
        [],
        |r| {
            Ok(BatchRunRow {
                scenario_id: r.get(0)?,
                label: r.get(1)?,
                seed: r.get(2)?,
                design: r.get(3)?,
                config_fingerprint: r.get(4)?,
                seconds: r.get(5)?,
                detail: r.get(6)?,
            })
        },
    )?;
    let years = x.query(
        "read batch summaries",
        &format!("SELECT scenario_id, seed, {SUMMARY_READ} FROM batch_year_summary"),
        [],
        |r| Ok((r.get(0)?, r.get(1)?, summary_at(r, 2)?)),
    )?;
    let attribution_years = x.query(
        "read attribution summaries",
        &format!("SELECT scenario_id, seed, design, {SUMMARY_READ} FROM batch_attribution_summary"),
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, summary_at(r, 3)?)),
    )?;
    let shard = match (index, count) {
        (Some(i), Some(n)) => Some((i as u32, n as u32)),
        _ => None,
    };
    Ok(BatchPart {
        batch_json,
        inputs_json,
        shard,
        runs,
        years,
        attribution_years,
    })
}

/// The per-year summaries of a single run's results database (`year_summary`), in year
/// order.
pub fn read_run_summaries(path: &Path) -> Result<Vec<YearSummary>, StoreError> {
    let x = Executor::open_read_only(path)?;
    x.query(
        "read year summaries",
        "SELECT simulation_year, starting_headcount, hires, experienced_terminations,
                new_hire_terminations, promotions, raises, ending_headcount, target_ending,
                total_events, snapshot_rows, (payroll * 100)::BIGINT, (prorated_payroll * 100)::BIGINT,
                eligible, participants, participation_rate, average_deferral_rate, enrollments,
                opt_outs, escalations, match_responses, (employee_contributions * 100)::BIGINT,
                (employer_match * 100)::BIGINT, (employer_core * 100)::BIGINT,
                (forfeitures * 100)::BIGINT, hce_count
         FROM year_summary ORDER BY simulation_year",
        [],
        |r| {
            let n = |k: usize| -> duckdb::Result<u64> { Ok(r.get::<_, i64>(k)? as u64) };
            let money = |k: usize| -> duckdb::Result<f64> { Ok(r.get::<_, i64>(k)? as f64 / 100.0) };
            Ok(YearSummary {
                year: r.get(0)?,
                starting_headcount: n(1)?,
                hires: n(2)?,
                experienced_terminations: n(3)?,
                new_hire_terminations: n(4)?,
                promotions: n(5)?,
                raises: n(6)?,
                ending_headcount: n(7)?,
                target_ending: n(8)?,
                total_events: n(9)?,
                snapshot_rows: n(10)?,
                payroll: money(11)?,
                prorated_payroll: money(12)?,
                eligible: n(13)?,
                participants: n(14)?,
                participation_rate: r.get(15)?,
                average_deferral_rate: r.get(16)?,
                enrollments: n(17)?,
                opt_outs: n(18)?,
                escalations: n(19)?,
                match_responses: n(20)?,
                employee_contributions: money(21)?,
                employer_match: money(22)?,
                employer_core: money(23)?,
                forfeitures: money(24)?,
                hce_count: n(25)?,
            })
        },
    )
}
