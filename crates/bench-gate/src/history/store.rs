//! The history on disk: a Parquet dataset, a directory with one folder per machine
//! fingerprint and one immutable file per recorded run
//! (`<history>/<machine id>/<commit>-<recorded at>-<pid>.parquet`). Recording adds a file
//! (written beside and renamed into place, so a crash leaves no half file) and never
//! rewrites one, so a history can be committed to git and two recorders never collide.
//! Every file carries the schema version in its key-value metadata and in a column; a file
//! of another version is refused by name. DuckDB reads it as it is:
//! `SELECT * FROM read_parquet('<history>/**/*.parquet')`.

use super::{Fingerprint, HistoryError, Record, SCHEMA_VERSION};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray, UInt32Array,
};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The key of the schema version in each file's metadata.
const VERSION_KEY: &str = "workforce_sim.bench_history.schema_version";

fn schema() -> Arc<Schema> {
    let s = |n: &str| Field::new(n, DataType::Utf8, false);
    Arc::new(Schema::new(vec![
        Field::new("schema_version", DataType::UInt32, false),
        s("machine"),
        s("cpu_model"),
        s("cpu_flags"),
        Field::new("cores", DataType::UInt32, false),
        s("kernel"),
        s("rustc"),
        s("features"),
        s("allocator"),
        s("commit"),
        Field::new("commit_time", DataType::Int64, false),
        Field::new("dirty", DataType::Boolean, false),
        Field::new("recorded_at", DataType::Int64, false),
        s("bench"),
        s("measure"),
        s("unit"),
        Field::new("value", DataType::Float64, false),
        Field::new("lower", DataType::Float64, true),
        Field::new("upper", DataType::Float64, true),
        Field::new("text", DataType::Utf8, true),
    ]))
}

fn io(path: &Path, e: impl std::fmt::Display) -> HistoryError {
    HistoryError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Checks that `dir` can be a history: a directory or nothing yet.
fn check_dir(dir: &Path) -> Result<(), HistoryError> {
    if dir.exists() && !dir.is_dir() {
        return Err(HistoryError::NotHistory {
            path: dir.to_path_buf(),
            message:
                "a history is a directory of Parquet files (WFS_BENCH_HISTORY names the directory)"
                    .into(),
        });
    }
    Ok(())
}

/// Appends `records` (all of one machine, commit and run) as one new file; returns its path.
pub fn append(dir: &Path, records: &[Record]) -> Result<PathBuf, HistoryError> {
    check_dir(dir)?;
    let Some(first) = records.first() else {
        return Err(HistoryError::Invalid("no figures to record".into()));
    };
    let machine = first.machine.id();
    let folder = dir.join(&machine);
    std::fs::create_dir_all(&folder).map_err(|e| io(&folder, e))?;
    let name = format!(
        "{}-{}-{}.parquet",
        &first.commit[..first.commit.len().min(12)],
        first.recorded_at,
        std::process::id()
    );
    let path = folder.join(&name);
    let partial = folder.join(format!(".{name}.partial"));
    let col = |f: &dyn Fn(&Record) -> String| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(records.iter().map(f)))
    };
    let m = |f: &dyn Fn(&Fingerprint) -> String| col(&|r: &Record| f(&r.machine));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(UInt32Array::from(vec![SCHEMA_VERSION; records.len()])),
        col(&|r| r.machine.id()),
        m(&|f| f.cpu_model.clone()),
        m(&|f| f.cpu_flags.clone()),
        Arc::new(UInt32Array::from_iter_values(
            records.iter().map(|r| r.machine.cores),
        )),
        m(&|f| f.kernel.clone()),
        m(&|f| f.rustc.clone()),
        m(&|f| f.features.clone()),
        m(&|f| f.allocator.clone()),
        col(&|r| r.commit.clone()),
        Arc::new(Int64Array::from_iter_values(
            records.iter().map(|r| r.commit_time),
        )),
        Arc::new(BooleanArray::from_iter(
            records.iter().map(|r| Some(r.dirty)),
        )),
        Arc::new(Int64Array::from_iter_values(
            records.iter().map(|r| r.recorded_at),
        )),
        col(&|r| r.bench.clone()),
        col(&|r| r.measure.clone()),
        col(&|r| r.unit.clone()),
        Arc::new(Float64Array::from_iter_values(
            records.iter().map(|r| r.value),
        )),
        Arc::new(Float64Array::from_iter(records.iter().map(|r| r.lower))),
        Arc::new(Float64Array::from_iter(records.iter().map(|r| r.upper))),
        Arc::new(StringArray::from_iter(
            records.iter().map(|r| r.text.clone()),
        )),
    ];
    let batch = RecordBatch::try_new(schema(), columns).map_err(|e| io(&path, e))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_key_value_metadata(Some(vec![KeyValue::new(
            VERSION_KEY.to_string(),
            SCHEMA_VERSION.to_string(),
        )]))
        .build();
    let write = || -> Result<(), String> {
        let file = std::fs::File::create(&partial).map_err(|e| e.to_string())?;
        let mut w = ArrowWriter::try_new(file, schema(), Some(props)).map_err(|e| e.to_string())?;
        w.write(&batch).map_err(|e| e.to_string())?;
        let mut file = w.into_inner().map_err(|e| e.to_string())?;
        file.flush().map_err(|e| e.to_string())?;
        file.sync_all().map_err(|e| e.to_string())?;
        std::fs::rename(&partial, &path).map_err(|e| e.to_string())
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        io(&path, e)
    })?;
    Ok(path)
}

/// Every record of the history at `dir`, in no particular order.
pub fn load(dir: &Path) -> Result<Vec<Record>, HistoryError> {
    check_dir(dir)?;
    if !dir.exists() {
        return Err(HistoryError::Missing(dir.to_path_buf()));
    }
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(|e| io(&d, e))? {
            let p = entry.map_err(|e| io(&d, e))?.path();
            let hidden = p
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            if hidden {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "parquet") {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for f in &files {
        read_file(f, &mut out)?;
    }
    Ok(out)
}

fn read_file(path: &Path, out: &mut Vec<Record>) -> Result<(), HistoryError> {
    let not = |message: String| HistoryError::NotHistory {
        path: path.to_path_buf(),
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| io(path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| not(e.to_string()))?;
    let version = builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .and_then(|kv| kv.iter().find(|k| k.key == VERSION_KEY))
        .and_then(|k| k.value.clone());
    match version {
        None => return Err(not(format!("no {VERSION_KEY} in its metadata"))),
        Some(v) if v != SCHEMA_VERSION.to_string() => {
            return Err(HistoryError::SchemaVersion {
                path: path.to_path_buf(),
                found: v,
                expected: SCHEMA_VERSION,
            })
        }
        Some(_) => {}
    }
    let reader = builder.build().map_err(|e| not(e.to_string()))?;
    for batch in reader {
        let batch = batch.map_err(|e| not(e.to_string()))?;
        let column = |name: &str| {
            batch
                .column_by_name(name)
                .ok_or_else(|| not(format!("no column {name}")))
        };
        fn typed<'a, T: 'static>(
            a: &'a ArrayRef,
            name: &str,
            not: &dyn Fn(String) -> HistoryError,
        ) -> Result<&'a T, HistoryError> {
            a.as_any()
                .downcast_ref::<T>()
                .ok_or_else(|| not(format!("column {name} has the type {}", a.data_type())))
        }
        macro_rules! get {
            ($name:literal, $t:ty) => {
                typed::<$t>(column($name)?, $name, &not)?
            };
        }
        let s = |a: &StringArray, i: usize| a.value(i).to_string();
        let (cpu_model, cpu_flags, cores) = (
            get!("cpu_model", StringArray),
            get!("cpu_flags", StringArray),
            get!("cores", UInt32Array),
        );
        let (kernel, rustc, features, allocator) = (
            get!("kernel", StringArray),
            get!("rustc", StringArray),
            get!("features", StringArray),
            get!("allocator", StringArray),
        );
        let (commit, commit_time, dirty, recorded_at) = (
            get!("commit", StringArray),
            get!("commit_time", Int64Array),
            get!("dirty", BooleanArray),
            get!("recorded_at", Int64Array),
        );
        let (bench, measure, unit) = (
            get!("bench", StringArray),
            get!("measure", StringArray),
            get!("unit", StringArray),
        );
        let (value, lower, upper, text) = (
            get!("value", Float64Array),
            get!("lower", Float64Array),
            get!("upper", Float64Array),
            get!("text", StringArray),
        );
        let opt = |a: &Float64Array, i: usize| (!a.is_null(i)).then(|| a.value(i));
        for i in 0..batch.num_rows() {
            out.push(Record {
                machine: Fingerprint {
                    cpu_model: s(cpu_model, i),
                    cpu_flags: s(cpu_flags, i),
                    cores: cores.value(i),
                    kernel: s(kernel, i),
                    rustc: s(rustc, i),
                    features: s(features, i),
                    allocator: s(allocator, i),
                },
                commit: s(commit, i),
                commit_time: commit_time.value(i),
                dirty: dirty.value(i),
                recorded_at: recorded_at.value(i),
                bench: s(bench, i),
                measure: s(measure, i),
                unit: s(unit, i),
                value: value.value(i),
                lower: opt(lower, i),
                upper: opt(upper, i),
                text: (!text.is_null(i)).then(|| s(text, i)),
            });
        }
    }
    Ok(())
}

/// Writes a file of the history's layout with another schema version (for tests of the
/// refusal).
#[doc(hidden)]
pub fn write_with_version(path: &Path, version: &str) -> Result<(), HistoryError> {
    let props = WriterProperties::builder()
        .set_key_value_metadata(Some(vec![KeyValue::new(
            VERSION_KEY.to_string(),
            version.to_string(),
        )]))
        .build();
    let s = Arc::new(Schema::new(vec![Field::new("x", DataType::Int64, false)]));
    let batch = RecordBatch::try_new(s.clone(), vec![Arc::new(Int64Array::from(vec![1i64]))])
        .map_err(|e| io(path, e))?;
    let file = std::fs::File::create(path).map_err(|e| io(path, e))?;
    let mut w = ArrowWriter::try_new(file, s, Some(props)).map_err(|e| io(path, e))?;
    w.write(&batch).map_err(|e| io(path, e))?;
    w.close().map_err(|e| io(path, e))?;
    Ok(())
}
