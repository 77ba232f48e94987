//! The money ledger is stored in part and derived in part (issue 31): the annual
//! contributions are made again from the snapshot rows by the `plan_ledger_rows` view. Row for
//! row and column for column, that view is the ledger the run built (every row encoded as the
//! store encodes rows), in a DuckDB file and in a Parquet output, with annual contributions
//! (most of them derived) and per pay period (all stored); and in the annual mode the rows
//! written are a minority of the ledger.

use crate::common;
use duckdb::arrow::compute::cast;
use duckdb::arrow::datatypes::{DataType, Field, Schema};
use duckdb::arrow::record_batch::RecordBatch;
use std::path::Path;
use workforce_sim::config::plan::ContributionTiming;
use workforce_sim::store::EncodedYear;
use workforce_sim::{simulate_in_memory, simulate_to, Output};

/// Appends the ledger the run built (every row, encoded) to a table `built` of the results
/// database at `db`, then counts the rows of `plan_ledger_rows` missing from it and the rows
/// of it missing from the view (multisets: `EXCEPT ALL`), and the rows stored and in all.
fn compare(db: &Path, built: &[RecordBatch]) -> [i64; 4] {
    // The ENUM columns as text on both sides (the appender takes no dictionary arrays).
    let columns = "event_id, employee_id, simulation_year::SMALLINT AS simulation_year,
        event_type::VARCHAR AS event_type, effective_date, event_sequence, source::VARCHAR AS source,
        amount, ytd_amount, rate, vested_match, vested_core, applicable_limit, hours, flag, prior_flag,
        action::VARCHAR AS action, pay_period, start_date, end_date";
    let conn = duckdb::Connection::open(db).unwrap();
    conn.execute_batch(&format!(
        "CREATE TABLE built AS SELECT {columns} FROM plan_ledger_records LIMIT 0"
    ))
    .unwrap();
    {
        let mut appender = conn.appender("built").unwrap();
        for batch in built {
            appender.append_record_batch(as_text(batch)).unwrap();
        }
    }
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let view = format!("SELECT {columns} FROM plan_ledger_rows");
    [
        count(&format!(
            "SELECT count(*) FROM ({view} EXCEPT ALL SELECT * FROM built)"
        )),
        count(&format!(
            "SELECT count(*) FROM (SELECT * FROM built EXCEPT ALL {view})"
        )),
        count("SELECT count(*) FROM plan_ledger_records"),
        count("SELECT count(*) FROM plan_ledger_rows"),
    ]
}

/// The batch with its dictionary (ENUM) columns as plain text.
fn as_text(batch: &RecordBatch) -> RecordBatch {
    let columns = batch
        .columns()
        .iter()
        .map(|c| match c.data_type() {
            DataType::Dictionary(_, _) => cast(c, &DataType::Utf8).unwrap(),
            _ => c.clone(),
        })
        .collect::<Vec<_>>();
    let fields: Vec<_> = batch
        .schema()
        .fields()
        .iter()
        .zip(&columns)
        .map(|(f, c)| Field::new(f.name(), c.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(std::sync::Arc::new(Schema::new(fields)), columns).unwrap()
}

fn check(contributions: ContributionTiming) {
    let mut config = common::config(2025, 2028, 42);
    config.plan.ledger.contributions = contributions;
    let config = common::valid(config);
    let census = common::prepared(&config, 3_000);
    let run = simulate_in_memory(&config, &census, &common::options(2)).unwrap();
    let built: Vec<_> = (0..run.years.len())
        .map(|k| {
            EncodedYear::encode_table(&common::year_tables(&run, k), "plan_ledger")
                .unwrap()
                .unwrap()
        })
        .collect();
    let rows: usize = built.iter().map(|b| b.num_rows()).sum();
    assert!(rows > 10_000, "{rows} ledger rows");
    let dir = common::tmp();
    for output in [
        Output::duckdb(dir.path().join("run.duckdb")),
        Output::parquet(dir.path().join("parquet")),
    ] {
        simulate_to(
            &config,
            &common::synthetic(3_000, 42),
            &output,
            &common::options(2),
            &mut |_| {},
        )
        .unwrap();
        let db = output.format.catalog(&output.path);
        let [missing, extra, stored, all] = compare(&db, &built);
        let what = format!("{contributions:?}, {:?}", output.format);
        assert_eq!(
            (missing, extra),
            (0, 0),
            "{what}: the view differs from the built ledger"
        );
        assert_eq!(all as usize, rows, "{what}");
        match contributions {
            // Most rows are annual contributions, made again from the snapshot.
            ContributionTiming::Annual => assert!(
                (stored as f64) < 0.4 * all as f64,
                "{what}: {stored} of {all} rows stored"
            ),
            // Contributions per pay period are decided per period: all stored.
            ContributionTiming::PerPayPeriod => assert_eq!(stored, all, "{what}"),
        }
    }
}

#[test]
fn the_view_is_the_ledger_with_annual_contributions() {
    check(ContributionTiming::Annual);
}

#[test]
fn the_view_is_the_ledger_with_contributions_per_pay_period() {
    check(ContributionTiming::PerPayPeriod);
}
