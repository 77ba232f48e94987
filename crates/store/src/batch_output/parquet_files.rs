//! A batch as hive-partitioned Parquet, the form other engines read: one file per scenario
//! (and seed, for the summaries) under `TABLE/scenario_id=S[/seed=K]/part-0.parquet`, and
//! `DIR/batch.duckdb` with the metadata and views named as the batch tables.

use super::*;

/// Writes `batch` as one Parquet file (zstd) at `path`, without the columns named in `drop`
/// (the partition columns, which live in the path).
fn parquet_file(path: &Path, batch: &RecordBatch, drop: &[&str]) -> Result<(), StoreError> {
    use parquet::arrow::ArrowWriter;
    use parquet::basic::{Compression, ZstdLevel};
    use parquet::file::properties::WriterProperties;
    let fail = |m: String| StoreError::State {
        path: path.to_path_buf(),
        message: m,
    };
    let keep: Vec<usize> = (0..batch.num_columns())
        .filter(|&i| !drop.contains(&batch.schema().field(i).name().as_str()))
        .collect();
    let batch = batch.project(&keep).map_err(|e| fail(e.to_string()))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| fail(format!("cannot create: {e}")))?;
    }
    let file = std::fs::File::create(path).map_err(|e| fail(format!("cannot create: {e}")))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    let mut w =
        ArrowWriter::try_new(file, batch.schema(), Some(props)).map_err(|e| fail(e.to_string()))?;
    w.write(&batch).map_err(|e| fail(e.to_string()))?;
    w.close().map_err(|e| fail(e.to_string()))?;
    crate::place::sync_file(path).map_err(|e| fail(format!("cannot flush: {e}")))
}

/// The catalog of a Parquet batch output: views named as the batch tables over the files,
/// columns in the tables' order.
const PARQUET_VIEWS: [(&str, &str); 6] = [
    ("batch_runs", "scenario_id, * EXCLUDE (scenario_id)"),
    (
        "batch_year_summary",
        "scenario_id, seed::UBIGINT AS seed, * EXCLUDE (scenario_id, seed)",
    ),
    ("batch_bands", "scenario_id, * EXCLUDE (scenario_id)"),
    ("batch_thresholds", "scenario_id, * EXCLUDE (scenario_id)"),
    (
        "batch_attribution_summary",
        "scenario_id, * EXCLUDE (scenario_id)",
    ),
    ("batch_attribution", "scenario_id, * EXCLUDE (scenario_id)"),
];

/// Writes a batch as hive-partitioned Parquet, the form other engines read:
/// `batch_year_summary/scenario_id=S/seed=K/part-0.parquet` and
/// `batch_runs|batch_bands|batch_thresholds/scenario_id=S/part-0.parquet`, with
/// `DIR/batch.duckdb` holding `batch_metadata` and views of the files named as the tables.
/// Written to `DIR.partial` and renamed into place; an existing `DIR` only with `overwrite`.
pub fn write_batch_parquet(
    dir: &Path,
    t: &BatchTables<'_>,
    overwrite: bool,
) -> Result<(), StoreError> {
    let state = |message: String| StoreError::State {
        path: dir.to_path_buf(),
        message,
    };
    if dir.exists() && !overwrite {
        return Err(StoreError::Exists {
            path: dir.to_path_buf(),
        });
    }
    let tmp = crate::place::partial_path(dir);
    for d in [dir, tmp.as_path()] {
        if d.exists() {
            crate::ownership::check_owned_dir(d, crate::ownership::BATCH_LAYOUT, "replace")?;
        }
    }
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)
            .map_err(|e| state(format!("cannot remove {}: {e}", tmp.display())))?;
    }
    let part =
        |table: &str, scenario: &str| tmp.join(table).join(format!("scenario_id={scenario}"));
    let mut scenarios: Vec<&str> = Vec::new();
    for r in &t.runs {
        if !scenarios.contains(&r.scenario_id.as_str()) {
            scenarios.push(&r.scenario_id);
        }
    }
    for s in &scenarios {
        let mine = |id: &str| id == *s;
        let runs: Vec<BatchRunRow> = t
            .runs
            .iter()
            .filter(|r| mine(&r.scenario_id))
            .cloned()
            .collect();
        let bands: Vec<BandRow<'_>> = t
            .bands
            .iter()
            .filter(|b| mine(b.scenario_id))
            .cloned()
            .collect();
        let th: Vec<ThresholdRow<'_>> = t
            .thresholds
            .iter()
            .filter(|x| mine(x.scenario_id))
            .cloned()
            .collect();
        let ay: Vec<BatchYearRow<'_>> = t
            .attribution_years
            .iter()
            .filter(|x| mine(x.scenario_id))
            .cloned()
            .collect();
        let shares: Vec<ShareRow<'_>> = t
            .attribution
            .iter()
            .filter(|x| mine(x.scenario_id))
            .cloned()
            .collect();
        for (table, rows, batch) in [
            ("batch_runs", runs.len(), runs_batch(&runs)?),
            ("batch_bands", bands.len(), bands_batch(&bands)?),
            ("batch_thresholds", th.len(), thresholds_batch(&th)?),
            (
                "batch_attribution_summary",
                ay.len(),
                years_batch(&ay, true)?,
            ),
            ("batch_attribution", shares.len(), shares_batch(&shares)?),
        ] {
            if rows > 0 {
                parquet_file(
                    &part(table, s).join("part-0.parquet"),
                    &batch,
                    &["scenario_id"],
                )?;
            }
        }
    }
    for rows in t
        .years
        .chunk_by(|a, b| a.scenario_id == b.scenario_id && a.seed == b.seed)
    {
        let path = part("batch_year_summary", rows[0].scenario_id)
            .join(format!("seed={}", rows[0].seed))
            .join("part-0.parquet");
        parquet_file(&path, &years_batch(rows, false)?, &["scenario_id", "seed"])?;
    }
    // The catalog's metadata (which names the batch's generation) goes in before the swap
    // that makes the folder current; its views, which bind the files at their final paths,
    // after it (a crash between the two: the next batch on the path writes them again).
    let tables = schema();
    {
        let x = Executor::open(&tmp.join("batch.duckdb"))?;
        let tx = x.begin("begin batch catalog")?;
        x.run("create batch catalog", [tables[0].as_str()])?;
        x.run("write batch metadata", [metadata_insert(t).as_str()])?;
        tx.commit("commit batch catalog")?;
        x.run("checkpoint", ["CHECKPOINT"])?;
    }
    sync_tree(&tmp).map_err(|e| state(format!("cannot flush {}: {e}", tmp.display())))?;
    if dir.exists() {
        crate::place::restore_replaced(dir)?;
        crate::ownership::check_owned_dir(dir, crate::ownership::BATCH_LAYOUT, "replace")?;
    }
    crate::place::replace_dir(&tmp, dir)?;
    let abs = std::fs::canonicalize(dir).map_err(|e| state(format!("cannot resolve: {e}")))?;
    let x = Executor::open(&abs.join("batch.duckdb"))?;
    let tx = x.begin("begin batch views")?;
    let mut views = Vec::new();
    for (i, (table, columns)) in PARQUET_VIEWS.iter().enumerate() {
        let root = abs.join(table);
        let (depth, keys) = if *table == "batch_year_summary" {
            (
                2,
                format!(
                    "{} AS scenario_id, {} AS seed",
                    crate::schema::partition_value("scenario_id", 2),
                    crate::schema::partition_value("seed", 1)
                ),
            )
        } else {
            (
                1,
                format!(
                    "{} AS scenario_id",
                    crate::schema::partition_value("scenario_id", 1)
                ),
            )
        };
        if root.exists() {
            views.push(format!(
                "CREATE VIEW {table} AS SELECT {columns} FROM (SELECT {keys}, * EXCLUDE (filename) FROM {})",
                crate::schema::read_partitions(&root, depth)
            ));
        } else {
            // No file (no thresholds asked, or a shard's bands): the empty table.
            views.push(tables[i + 1].clone());
        }
    }
    x.run("create batch views", views.iter().map(String::as_str))?;
    tx.commit("commit batch views")?;
    x.run("checkpoint", ["CHECKPOINT"])
}

/// Flushes every file under `dir`, and every folder, to the disk before a rename publishes
/// them.
fn sync_tree(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            sync_tree(&entry.path())?;
        } else {
            crate::place::sync_file(&entry.path())?;
        }
    }
    crate::place::sync_dir(dir)
}
