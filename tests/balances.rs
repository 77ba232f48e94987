//! Weekly account balances (`--balances weekly`): built from the money ledger over the prior
//! year-end's balances by source; golden cases by hand, a reconciliation of every
//! participant-week of a default run with the ledger and the snapshot, and the table through
//! the store, the CLI's history, Parquet and a resume.

use crate::common;
use crate::typed_events::{employee, one_year, termination_at};
use crate::util::TestCommand;

use workforce_sim::balances::{self, Account, WeeklyBalances};
use workforce_sim::config::plan::{BalanceSnapshots, ContributionTiming};
use workforce_sim::date::{self, days_from_civil, friday_on_or_after, Day};
use workforce_sim::events::Member;
use workforce_sim::plan_ledger::PlanEvent;
use workforce_sim::{Config, ValidConfig};

fn weekly(mut config: Config, timing: ContributionTiming) -> ValidConfig {
    config.plan.ledger.balances = BalanceSnapshots::Weekly;
    config.plan.ledger.contributions = timing;
    common::valid(config)
}

/// One participant's row `k` as (pre-tax, Roth, catch-up, match, core, vested, unvested,
/// ytd employee, ytd employer) in cents.
fn row(b: &WeeklyBalances, k: usize) -> [i64; 9] {
    [
        b.employee_pre_tax[k],
        b.employee_roth[k],
        b.employee_catch_up[k],
        b.employer_match[k],
        b.employer_core[k],
        b.vested[k],
        b.unvested[k],
        b.ytd_employee[k],
        b.ytd_employer[k],
    ]
}

/// Age 55 at 200,000 and 15%, per pay period, opening with 10,000 of employee money (2,000
/// Roth, 1,000 catch-up, so 7,000 pre-tax) and 5,000 of employer money (3,000 match, 2,000
/// core) at a 40% vested share. The year's money (the typed-events golden): pre-tax 19,000,
/// Roth 4,500, catch-up 6,500, match 8,000, core 2,000, each over 26 biweekly Fridays from
/// January 3: per period 730.76, 173.07, 250.00, 307.69 and 76.92 (the last period takes the
/// remainder).
/// * Friday January 3 (period 1): pre-tax 7,730.76, Roth 2,173.07, catch-up 1,250.00, match
///   3,307.69, core 2,076.92; vested 11,153.83 + 40% of 5,384.61 (2,153.84) = 13,307.67,
///   unvested 3,230.77; year to date 1,153.83 employee, 384.61 employer.
/// * Friday January 10 (no pay date): the same.
/// * Friday December 26 (after the last period, December 19): pre-tax 26,000, Roth 6,500,
///   catch-up 7,500, match 11,000, core 4,000; still at 40% (the year's vesting is dated
///   December 31): vested 40,000 + 6,000, unvested 9,000; year to date 30,000 and 10,000.
#[test]
fn golden_weekly_balances_per_pay_period() {
    let config = weekly(Config::default(), ContributionTiming::PerPayPeriod);
    let mut prior = employee(
        (1970, 3, 1),
        200_000.0,
        3,
        0.15,
        days_from_civil(2021, 6, 1),
    );
    let c = &mut prior.plan[0];
    (c.employee_balance, c.employee_roth_balance) = (10_000.0, 2_000.0);
    c.employee_catch_up_balance = 1_000.0;
    (c.employer_balance, c.employer_match_balance) = (5_000.0, 3_000.0);
    c.vested_pct = 0.4;
    let (s, l) = one_year(&config, &prior, &mut []);
    let mut ev = workforce_sim::YearEvents::new(2025);
    ev.roster.push(Member::Prior(0));
    let b = balances::build(&prior, &ev, &s, &l);

    assert_eq!(
        b.len(),
        52,
        "every Friday of 2025, January 3 to December 26"
    );
    assert_eq!(b.week_ending[0], days_from_civil(2025, 1, 3));
    assert_eq!(b.week_ending[51], days_from_civil(2025, 12, 26));
    assert!(b.week_ending.windows(2).all(|w| w[1] - w[0] == 7));
    let first = [
        773_076, 217_307, 125_000, 330_769, 207_692, 1_330_767, 323_077, 115_383, 38_461,
    ];
    assert_eq!(row(&b, 0), first);
    assert_eq!(row(&b, 1), first);
    assert_eq!(
        row(&b, 51),
        [
            2_600_000, 650_000, 750_000, 1_100_000, 400_000, 4_600_000, 900_000, 3_000_000,
            1_000_000
        ]
    );
    // The carry closes the year with the balances by source the next year opens with.
    let y = &s.plan[0].carry;
    assert_eq!(
        (
            y.employee_balance,
            y.employee_roth_balance,
            y.employee_catch_up_balance
        ),
        (40_000.0, 6_500.0, 7_500.0)
    );
    assert_eq!(s.plan[0].employee_pre_tax_balance(), 26_000.0);
}

/// Terminated on Friday, June 27, 2025 (annual timing), with 5,000 of employer money (4,000
/// match, 1,000 core) at 20% vested; at termination tenure 3 gives 60%, and 2,000 is
/// forfeited (1,600 match, 400 core). Rows: the 26 Fridays January 3 to June 27. Through June
/// 20 the account is the opening one at 20% (vested employer 1,000, unvested 4,000). On June
/// 27 the deferrals (dated the last day employed), the vesting event and the forfeitures are
/// in (the default 15% of them as Roth): match 2,400, core 600, unvested 0.
#[test]
fn golden_weekly_balances_at_a_termination() {
    let config = weekly(Config::default(), ContributionTiming::Annual);
    let mut prior = employee((1985, 5, 5), 60_000.0, 2, 0.06, days_from_civil(2022, 6, 1));
    prior.plan[0].employer_balance = 5_000.0;
    prior.plan[0].employer_match_balance = 4_000.0;
    prior.plan[0].employee_balance = 1_500.0;
    prior.plan[0].vested_pct = 0.2;
    let term = days_from_civil(2025, 6, 27);
    let mut rows = [termination_at(term)];
    let (s, l) = one_year(&config, &prior, &mut rows);
    let mut ev = workforce_sim::YearEvents::new(2025);
    ev.roster.push(Member::Prior(0));
    let b = balances::build(&prior, &ev, &s, &l);
    assert_eq!(b.len(), 26);
    assert_eq!(b.week_ending[25], term);
    assert_eq!(
        row(&b, 24),
        [150_000, 0, 0, 400_000, 100_000, 250_000, 400_000, 0, 0]
    );
    let cents = |x: f64| (x * 100.0).round() as i64;
    let deferrals = cents(s.plan[0].employee_contribution);
    let roth = cents(s.plan[0].roth_contribution);
    assert!(deferrals > 0 && roth > 0);
    assert_eq!(
        row(&b, 25),
        [
            150_000 + deferrals - roth,
            roth,
            0,
            240_000,
            60_000,
            150_000 + deferrals + 300_000,
            0,
            deferrals,
            0
        ]
    );
}

/// Every participant-week of a default 5,000 × 3 run, in both contribution timings: the rows
/// are each participant's Fridays employed, in order; the last row plus the money events
/// after it is the snapshot's year-end balance by source; vested + unvested is the account;
/// the year to date ends at the year's contributions; and the participants are exactly the
/// employees with money.
#[test]
fn weekly_balances_reconcile_with_the_ledger_and_the_snapshot() {
    for timing in [ContributionTiming::Annual, ContributionTiming::PerPayPeriod] {
        let mut config = Config::default();
        config.simulation.end_year = config.simulation.start_year + 2;
        let config = weekly(config, timing);
        let census = common::prepared(&config, 5_000);
        let run = workforce_sim::simulate_in_memory(&config, &census, &common::options(2)).unwrap();
        let mut prior = census.staged.baseline.clone();
        let mut rows_seen = 0usize;
        for (((_, events, s), ledger), b) in
            run.years.iter().zip(&run.plan_ledgers).zip(&run.balances)
        {
            let year = events.year;
            let (jan1, dec31) = (date::jan1(year), date::dec31(year));
            // Each participant's rows.
            let mut at = vec![Vec::new(); s.len()];
            for k in 0..b.len() {
                at[b.position[k] as usize].push(k);
            }
            let mut mine = vec![Vec::new(); s.len()];
            for (k, &p) in ledger.position.iter().enumerate() {
                mine[p as usize].push(k);
            }
            let mut participants = 0;
            for p in 0..s.len() {
                let (opening, prior_share) = match events.roster[p] {
                    Member::Prior(i) => (
                        Account::opening(&prior.plan[i as usize]),
                        prior.plan[i as usize].vested_pct,
                    ),
                    Member::Hire(_) => (Account::default(), 0.0),
                };
                let contributes = mine[p]
                    .iter()
                    .any(|&k| matches!(ledger.event[k], PlanEvent::Contribution { .. }));
                let last_day = s.termination_date[p].unwrap_or(dec31).min(dec31);
                let first = friday_on_or_after(s.hire_date[p].max(jan1));
                let fridays: Vec<Day> = (0..)
                    .map(|w| first + 7 * w)
                    .take_while(|&f| f <= last_day)
                    .collect();
                let money = opening != Account::default() || contributes;
                let ks = &at[p];
                assert_eq!(
                    ks.len(),
                    if money { fridays.len() } else { 0 },
                    "{year} {}: one row per Friday employed for participants only",
                    s.employee_id[p]
                );
                if ks.is_empty() {
                    continue;
                }
                participants += 1;
                let days: Vec<Day> = ks.iter().map(|&k| b.week_ending[k]).collect();
                assert_eq!(days, fridays);
                for &k in ks {
                    let acct = row(b, k);
                    let total = acct[..5].iter().sum::<i64>();
                    assert_eq!(acct[5] + acct[6], total, "vested + unvested = the account");
                    assert!(acct[6] >= 0 && acct[5] >= acct[..3].iter().sum::<i64>());
                }
                // The last row, plus the money events dated after it, closes the year.
                let last = *ks.last().unwrap();
                let mut a = Account {
                    employee_pre_tax: b.employee_pre_tax[last],
                    employee_roth: b.employee_roth[last],
                    employee_catch_up: b.employee_catch_up[last],
                    employer_match: b.employer_match[last],
                    employer_core: b.employer_core[last],
                    ytd_employee: b.ytd_employee[last],
                    ytd_employer: b.ytd_employer[last],
                    ..Account::default()
                };
                let mut share = prior_share;
                for &k in &mine[p] {
                    if ledger.effective_date[k] > b.week_ending[last] {
                        a.apply(&ledger.event[k], &mut share);
                    }
                }
                let y = &s.plan[p];
                let cents = |x: f64| (x * 100.0).round() as i64;
                let forfeited_match = mine[p]
                    .iter()
                    .filter_map(|&k| match ledger.event[k] {
                        PlanEvent::Forfeiture {
                            source: workforce_sim::payload::EmployerSource::EmployerMatch,
                            amount,
                            ..
                        } => Some(cents(amount)),
                        _ => None,
                    })
                    .sum::<i64>();
                assert_eq!(
                    (
                        a.employee_pre_tax,
                        a.employee_roth,
                        a.employee_catch_up,
                        a.employer_match,
                        a.employer(),
                    ),
                    (
                        cents(y.employee_pre_tax_balance()),
                        cents(y.carry.employee_roth_balance),
                        cents(y.carry.employee_catch_up_balance),
                        cents(y.carry.employer_match_balance) - forfeited_match,
                        cents(y.carry.employer_balance) - cents(y.forfeiture),
                    ),
                    "{year} {}: the ledger after the last Friday closes the year",
                    s.employee_id[p]
                );
                assert_eq!(
                    (a.ytd_employee, a.ytd_employer),
                    (
                        cents(y.employee_contribution),
                        cents(y.employer_match) + cents(y.employer_core)
                    )
                );
            }
            assert!(
                b.position
                    .windows(2)
                    .all(|w| s.id_key[w[0] as usize] <= s.id_key[w[1] as usize]),
                "participants in id-key order"
            );
            assert!(participants > s.len() / 2, "most employees have money");
            rows_seen += b.len();
            prior = s.next_workforce();
        }
        assert!(rows_seen > 3 * 52 * 2_500, "{rows_seen} rows");
    }
}

/// Through the CLI: `--balances weekly` writes the table (DuckDB and Parquet alike, the same
/// rows), `history` shows one participant's Fridays, a run without the flag has no rows, and
/// a run killed after its first year resumes to exactly the uninterrupted table.
#[test]
fn the_cli_writes_weekly_balances_and_history_shows_them() {
    let dir = common::tmp();
    let db = dir.path().join("w.duckdb");
    let args = [
        "--employees",
        "400",
        "--end-year",
        "2026",
        "--balances",
        "weekly",
    ];
    TestCommand::new()
        .arg("simulate")
        .args(args)
        .arg("--db")
        .arg(&db)
        .stdout();
    let rows = common::query_i64(&db, "SELECT count(*) FROM weekly_balances");
    assert!(rows > 2 * 52 * 200, "{rows} rows");
    let pq = dir.path().join("pq");
    TestCommand::new()
        .arg("simulate")
        .args(args)
        .args(["--format", "parquet", "--out"])
        .arg(&pq)
        .stdout();
    let order = "simulation_year, employee_id, week_ending";
    assert_eq!(
        common::export(&db, "weekly_balances", order, &dir.path().join("a.csv")),
        common::export(
            &pq.join("results.duckdb"),
            "weekly_balances",
            order,
            &dir.path().join("b.csv")
        ),
        "DuckDB and Parquet hold the same weekly balances"
    );

    // One participant's history: their Fridays of both years, as stored.
    let id: String = duckdb::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT employee_id FROM weekly_balances GROUP BY employee_id HAVING count(*) = 104 ORDER BY employee_id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let out = TestCommand::new()
        .args(["history", &id, "--json", "--db"])
        .arg(&db)
        .stdout();
    let h: workforce_sim::ParticipantHistory = serde_json::from_str(&out).unwrap();
    assert_eq!(h.balances.len(), 104);
    assert_eq!(h.balances[0].week_ending, "2025-01-03");
    assert_eq!(h.balances[103].week_ending, "2026-12-25");
    let stored = common::query_i64(
        &db,
        &format!(
            "SELECT (vested_balance * 100)::BIGINT FROM weekly_balances WHERE employee_id = '{id}' AND week_ending = DATE '2026-12-25'"
        ),
    );
    assert_eq!(
        (h.balances[103].vested_balance * 100.0).round() as i64,
        stored
    );
    let text = TestCommand::new()
        .args(["history", &id, "--db"])
        .arg(&db)
        .stdout();
    assert!(
        text.contains("friday") && text.contains("2026-12-25"),
        "{text}"
    );

    // Without the flag: the table is there and empty, and history shows no Fridays.
    let plain = dir.path().join("plain.duckdb");
    TestCommand::new()
        .args([
            "simulate",
            "--employees",
            "400",
            "--end-year",
            "2026",
            "--db",
        ])
        .arg(&plain)
        .stdout();
    assert_eq!(
        common::query_i64(&plain, "SELECT count(*) FROM weekly_balances"),
        0
    );
    let h = workforce_sim::participant_history(&plain, &id).unwrap();
    assert!(h.balances.is_empty() && !h.years.is_empty());
}

#[test]
fn a_killed_run_with_weekly_balances_resumes_to_the_uninterrupted_table() {
    let dir = common::tmp();
    let args = [
        "--employees",
        "8000",
        "--end-year",
        "2028",
        "--balances",
        "weekly",
        "--seed",
        "7",
    ];
    let crashed = dir.path().join("crashed.duckdb");
    let seen = crate::resume::kill_after(&crashed, &args, 1);
    assert_eq!(seen, vec![2025]);
    TestCommand::new()
        .arg("simulate")
        .args(args)
        .args(["--resume", "--db"])
        .arg(&crashed)
        .stdout();
    let full = dir.path().join("full.duckdb");
    TestCommand::new()
        .arg("simulate")
        .args(args)
        .arg("--db")
        .arg(&full)
        .stdout();
    let order = "simulation_year, employee_id, week_ending";
    let a = common::export(&full, "weekly_balances", order, &dir.path().join("a.csv"));
    assert!(a.len() > 1_000_000);
    assert!(
        a == common::export(
            &crashed,
            "weekly_balances",
            order,
            &dir.path().join("b.csv")
        ),
        "the resumed run's weekly balances differ from the uninterrupted run's"
    );
}
