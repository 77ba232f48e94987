//! `simulate_to_arrow`: the in-memory run as Arrow record batches (what the Python package
//! hands over) holds, year by year and table by table, exactly the batches the store encodes
//! from the same run, whichever thread count; a name that is not a table is an error.

use crate::common;
use workforce_sim::arrow_run::{EAGER, TABLES};
use workforce_sim::store::EncodedYear;
use workforce_sim::{simulate_in_memory, simulate_to_arrow};

#[test]
fn the_arrow_tables_are_the_stores_batches_of_the_same_run() {
    let config = common::valid(common::config(2025, 2027, 11));
    let census = common::prepared(&config, 600);
    let reference = simulate_in_memory(&config, &census, &common::options(1)).unwrap();
    for threads in [1, 2] {
        let run = simulate_to_arrow(&config, &census, &common::options(threads)).unwrap();
        assert_eq!(run.years(), 3);
        assert_eq!(run.report.years.len(), 3);
        for table in TABLES {
            let batches = run.table(table).unwrap();
            assert_eq!(batches.len(), 3, "{table}");
            for (k, got) in batches.iter().enumerate() {
                let y = common::year_tables(&reference, k);
                let want = EncodedYear::encode_table(&y, table).unwrap().unwrap();
                assert!(
                    want == *got,
                    "{table}, year {}, {threads} threads: the Arrow run's batch differs",
                    2025 + k
                );
            }
        }
        let rows: usize = run
            .table(EAGER[0])
            .unwrap()
            .iter()
            .map(|b| b.num_rows())
            .sum();
        let events: usize = reference.years.iter().map(|y| y.1.len()).sum();
        assert!(
            rows == events && events > 1000,
            "{rows} event rows of {events}"
        );
        let err = run.table("event_records").unwrap_err().to_string();
        assert!(
            err.contains("no table") && err.contains("snapshot"),
            "{err}"
        );
    }
}
