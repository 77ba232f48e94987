//! The schema of a results database: lean, typed tables and the views users query.
//!
//! What is stored is what cannot be derived: static facts once per employee (`employees`),
//! per-year facts in `event_records` and `snapshot_records`, the constants of a run
//! (`scenario_id`, `plan_design_id`, `data_quality_flag`) once in `run_metadata`, every
//! low-cardinality text as an ENUM, small integers in the smallest integer type. The
//! views `events`, `workforce_snapshot` and `census` put back every column of the wide
//! tables in their old order and types (bands computed from the run's own band table), so
//! every query written against them works unchanged. The same views serve the Parquet
//! output ([`crate::parquet_output`]), over views of its files instead of tables.

use workforce_sim_core::config::ValidConfig;
use workforce_sim_core::events::{EventCategory, EventType};
use workforce_sim_core::model::Band;
use workforce_sim_core::payload::ContributionSource;
use workforce_sim_core::plan_ledger;
use workforce_sim_core::rules::employer_eligibility::EmployerEligibility;
use workforce_sim_core::state::plan::{EnrollmentMethod, MatchStatus};
use workforce_sim_core::state::workforce::TerminationReason;
use workforce_sim_core::state::DetailedStatus;

/// The relations a user queries, as before the lean schema (views over the stored tables,
/// except the three small tables).
pub const TABLES: [&str; 10] = [
    "run_metadata",
    "census",
    "workforce_needs",
    "events",
    "plan_ledger",
    "workforce_snapshot",
    "year_summary",
    "employer_cost_by_cohort",
    "compliance_tests",
    "stage_timings",
];

/// Every value of each ENUM, in the order DuckDB numbers them.
pub(crate) fn enums() -> Vec<(&'static str, Vec<&'static str>)> {
    use EventCategory as C;
    vec![
        (
            "event_type_t",
            EventType::ALL.iter().map(|t| t.as_str()).collect(),
        ),
        (
            "event_category_t",
            [
                C::Termination,
                C::NewHireTermination,
                C::Hire,
                C::Promotion,
                C::Raise,
                C::Eligibility,
                C::AutoEnrollment,
                C::VoluntaryEnrollment,
                C::ProactiveVoluntary,
                C::YearOverYearVoluntary,
                C::EnrollmentOptOut,
                C::DeferralEscalation,
                C::MatchResponse,
            ]
            .iter()
            .map(|c| c.as_str())
            .collect(),
        ),
        ("employment_status_t", vec!["active", "terminated"]),
        (
            "termination_reason_t",
            [
                TerminationReason::DeterministicTermination,
                TerminationReason::NewHireDeparture,
            ]
            .iter()
            .map(|r| r.as_str())
            .collect(),
        ),
        (
            "detailed_status_t",
            [
                DetailedStatus::ContinuousActive,
                DetailedStatus::ExperiencedTermination,
                DetailedStatus::NewHireActive,
                DetailedStatus::NewHireTermination,
            ]
            .iter()
            .map(|s| s.as_str())
            .collect(),
        ),
        ("eligibility_status_t", vec!["eligible", "pending"]),
        (
            "enrollment_method_t",
            [
                EnrollmentMethod::None,
                EnrollmentMethod::Census,
                EnrollmentMethod::Auto,
                EnrollmentMethod::Voluntary,
            ]
            .iter()
            .map(|m| m.as_str())
            .collect(),
        ),
        (
            "participation_status_t",
            vec!["participating", "not_participating"],
        ),
        (
            "participation_detail_t",
            vec![
                "participating - auto enrollment",
                "participating - voluntary enrollment",
                "participating - census enrollment",
                "participating - unknown source",
                "not_participating - opted out of AE",
                "not_participating - not auto enrolled",
            ],
        ),
        ("limit_type_t", vec!["BASE", "CATCH_UP", "SUPER_CATCH_UP"]),
        (
            "employer_eligibility_t",
            [
                EmployerEligibility::Eligible,
                EmployerEligibility::InsufficientHours,
                EmployerEligibility::InsufficientTenure,
                EmployerEligibility::InactiveEoy,
            ]
            .iter()
            .map(|e| e.as_str())
            .collect(),
        ),
        (
            "match_status_t",
            [
                MatchStatus::Disabled,
                MatchStatus::Ineligible,
                MatchStatus::NoDeferrals,
                MatchStatus::Calculated,
            ]
            .iter()
            .map(|m| m.as_str())
            .collect(),
        ),
        ("plan_event_type_t", plan_ledger::EVENT_TYPES.to_vec()),
        (
            "money_source_t",
            ContributionSource::ALL.iter().map(|s| s.as_str()).collect(),
        ),
        ("plan_action_t", plan_ledger::ACTIONS.to_vec()),
    ]
}

/// The value list of the ENUM `name`, in DuckDB's order (the encoders' dictionary keys).
pub(crate) fn enum_values(name: &str) -> Option<&'static [&'static str]> {
    static ENUMS: std::sync::OnceLock<Vec<(&'static str, Vec<&'static str>)>> =
        std::sync::OnceLock::new();
    ENUMS
        .get_or_init(enums)
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.as_slice())
}

/// A SQL string literal.
pub(crate) fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A path as DuckDB's file readers take it literally: DuckDB globs any path with `*`, `?` or
/// `[`, so each of them is put in a bracket expression that matches just that character
/// (`[*]`, `[?]`, `[[]`). A folder named `Clients [ACME]` or an output named `run?` is then
/// read as named, not as a pattern.
pub(crate) fn literal_path(path: &std::path::Path) -> String {
    let mut out = String::new();
    for c in path.to_string_lossy().chars() {
        if matches!(c, '*' | '?' | '[') {
            out.push('[');
            out.push(c);
            out.push(']');
        } else {
            out.push(c);
        }
    }
    out
}

/// The `read_parquet` of every `part-0.parquet` in the partitions below `table_dir`
/// (`depth` levels of `key=value` folders), read literally: the folder's own path is not a
/// pattern (see [`literal_path`]) and no `key=value` is parsed from it (hive partitioning
/// off). The partition values come from the file's own path, see [`partition_value`].
pub(crate) fn read_partitions(table_dir: &std::path::Path, depth: usize) -> String {
    let pattern = format!(
        "{}{}/part-0.parquet",
        literal_path(table_dir),
        "/*=*".repeat(depth)
    );
    format!(
        "read_parquet({}, hive_partitioning = false, filename = true)",
        quote(&pattern)
    )
}

/// The value of the partition `key` taken from the end of the file's path (the `filename`
/// column of [`read_partitions`]), `level` folders above the file (1 = its own folder):
/// never from a `key=value` in a folder above the output.
pub(crate) fn partition_value(key: &str, level: usize) -> String {
    format!(
        "regexp_extract(filename, '/{key}=([^/]*){}/part-0[.]parquet$', 1)",
        "/[^/]*".repeat(level - 1)
    )
}

fn enum_ddl() -> Vec<String> {
    enums()
        .into_iter()
        .map(|(name, values)| {
            let values: Vec<String> = values.iter().map(|v| quote(v)).collect();
            format!("CREATE TYPE {name} AS ENUM ({})", values.join(", "))
        })
        .collect()
}

/// The stored tables of a DuckDB results database.
const STORED: &str = "
CREATE TABLE run_metadata (
    run_id VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, finished_at TIMESTAMP, tool_version VARCHAR NOT NULL,
    engine VARCHAR NOT NULL, random_seed UBIGINT NOT NULL, start_year INTEGER NOT NULL, end_year INTEGER NOT NULL,
    census_source VARCHAR NOT NULL, census_rows BIGINT NOT NULL, baseline_headcount BIGINT NOT NULL,
    config_fingerprint VARCHAR NOT NULL, config_json VARCHAR NOT NULL, status VARCHAR NOT NULL,
    last_committed_year INTEGER, threads INTEGER NOT NULL, census_fingerprint VARCHAR NOT NULL,
    scenario_id VARCHAR NOT NULL, plan_design_id VARCHAR NOT NULL, data_quality_flag VARCHAR NOT NULL,
    waiting_period_days INTEGER NOT NULL, format VARCHAR NOT NULL);
CREATE TABLE employees (
    employee_id VARCHAR NOT NULL, employee_ssn VARCHAR NOT NULL, employee_birth_date DATE NOT NULL,
    employee_hire_date DATE NOT NULL, simulation_year SMALLINT NOT NULL, in_census BOOLEAN NOT NULL,
    employee_termination_date DATE, employee_gross_compensation DECIMAL(15,2),
    active BOOLEAN, employee_deferral_rate DOUBLE, scheduled_hours_per_week DOUBLE, auto_escalation_opt_out BOOLEAN,
    eligibility_override BOOLEAN, days_active SMALLINT, plan_year_compensation DECIMAL(15,2),
    annualized_compensation DECIMAL(15,2), eligibility_date DATE, current_eligibility_status eligibility_status_t,
    enrollment_date DATE, is_enrolled_at_census BOOLEAN, level_id UTINYINT, current_age USMALLINT,
    current_tenure USMALLINT, in_baseline BOOLEAN);
CREATE TABLE workforce_needs (
    simulation_year INTEGER NOT NULL, n_start BIGINT, experienced BIGINT, prior_year_hires BIGINT,
    target_ending BIGINT, expected_experienced_terminations BIGINT, survivors BIGINT, net_from_hires BIGINT, hires BIGINT,
    implied_new_hire_terminations BIGINT, rif_terminations BIGINT, total_experienced_terminations BIGINT,
    balance_error BIGINT, balance_status VARCHAR, failed_guards VARCHAR, termination_quotas VARCHAR, hire_quotas VARCHAR);
CREATE TABLE event_records (
    event_id UBIGINT NOT NULL, employee_id VARCHAR NOT NULL, event_type event_type_t NOT NULL,
    simulation_year SMALLINT NOT NULL, effective_date DATE NOT NULL, event_details VARCHAR,
    compensation_amount DECIMAL(15,2), previous_compensation DECIMAL(15,2), employee_deferral_rate DECIMAL(7,6),
    prev_employee_deferral_rate DECIMAL(7,6), employee_age USMALLINT, employee_tenure USMALLINT, level_id UTINYINT,
    event_probability DOUBLE, event_category event_category_t NOT NULL, event_sequence USMALLINT NOT NULL);
CREATE TABLE plan_ledger_records (
    event_id UBIGINT NOT NULL, employee_id VARCHAR NOT NULL, simulation_year SMALLINT NOT NULL,
    event_type plan_event_type_t NOT NULL, effective_date DATE NOT NULL, event_sequence USMALLINT NOT NULL,
    source money_source_t, amount DECIMAL(15,2), ytd_amount DECIMAL(15,2), rate DECIMAL(7,6),
    vested_match DECIMAL(15,2), vested_core DECIMAL(15,2), applicable_limit DECIMAL(15,2), hours DOUBLE,
    flag BOOLEAN, prior_flag BOOLEAN, action plan_action_t, pay_period UTINYINT, start_date DATE, end_date DATE);
CREATE TABLE snapshot_records (
    employee_id VARCHAR NOT NULL, current_compensation DECIMAL(15,2) NOT NULL,
    prorated_annual_compensation DECIMAL(15,2) NOT NULL,
    current_age USMALLINT NOT NULL, current_tenure USMALLINT NOT NULL, level_id UTINYINT NOT NULL,
    employment_status employment_status_t NOT NULL, termination_date DATE, termination_reason termination_reason_t,
    detailed_status_code detailed_status_t NOT NULL, simulation_year SMALLINT NOT NULL, employee_eligibility_date DATE NOT NULL,
    waiting_period_days USMALLINT NOT NULL, scheduled_hours_per_week DOUBLE,
    current_eligibility_status eligibility_status_t NOT NULL, plan_ineligible BOOLEAN NOT NULL, plan_eligibility_date DATE,
    is_enrolled_flag BOOLEAN NOT NULL, employee_enrollment_date DATE, enrollment_method enrollment_method_t NOT NULL,
    ever_opted_out BOOLEAN NOT NULL, current_deferral_rate DECIMAL(7,6) NOT NULL, original_deferral_rate DECIMAL(7,6) NOT NULL,
    participation_status participation_status_t NOT NULL, participation_status_detail participation_detail_t NOT NULL,
    first_enrollment_year SMALLINT NOT NULL, last_rate_change_year SMALLINT NOT NULL,
    total_deferral_escalations USMALLINT NOT NULL, total_escalation_amount DECIMAL(7,6) NOT NULL, last_escalation_date DATE,
    auto_escalation_opt_out BOOLEAN NOT NULL, annual_hours_worked DOUBLE NOT NULL,
    contribution_deferral_rate DECIMAL(7,6) NOT NULL, total_contribution_base_compensation DECIMAL(15,2) NOT NULL,
    requested_contributions DECIMAL(15,2) NOT NULL, prorated_annual_contributions DECIMAL(15,2) NOT NULL,
    pre_tax_contributions DECIMAL(15,2) NOT NULL, roth_contributions DECIMAL(15,2) NOT NULL,
    capped_excess DECIMAL(15,2) NOT NULL, applied_irs_limit DECIMAL(15,2) NOT NULL, limit_type limit_type_t NOT NULL,
    irs_limit_reached BOOLEAN NOT NULL, match_eligibility employer_eligibility_t NOT NULL, match_status match_status_t NOT NULL,
    employer_match_amount DECIMAL(15,2) NOT NULL, core_eligibility employer_eligibility_t NOT NULL,
    employer_core_amount DECIMAL(15,2) NOT NULL, total_employer_contributions DECIMAL(15,2) NOT NULL,
    employer_balance DECIMAL(15,2) NOT NULL, employer_match_balance DECIMAL(15,2) NOT NULL,
    employee_balance DECIMAL(15,2) NOT NULL, employee_roth_balance DECIMAL(15,2) NOT NULL,
    employee_catch_up_balance DECIMAL(15,2) NOT NULL, vested_percentage DOUBLE NOT NULL,
    vested_balance DECIMAL(15,2) NOT NULL, forfeiture_amount DECIMAL(15,2) NOT NULL, is_hce BOOLEAN NOT NULL,
    ledger_base UBIGINT, employee_contribution_sequence USMALLINT, employer_contribution_sequence USMALLINT,
    contribution_sources UTINYINT, catch_up_contribution DECIMAL(15,2));
CREATE TABLE year_summary (
    simulation_year INTEGER NOT NULL, starting_headcount BIGINT, hires BIGINT, experienced_terminations BIGINT,
    new_hire_terminations BIGINT, promotions BIGINT, raises BIGINT, ending_headcount BIGINT, target_ending BIGINT,
    total_events BIGINT, snapshot_rows BIGINT, payroll DECIMAL(18,2), prorated_payroll DECIMAL(18,2),
    eligible BIGINT, participants BIGINT, participation_rate DOUBLE, average_deferral_rate DOUBLE,
    enrollments BIGINT, opt_outs BIGINT, escalations BIGINT, match_responses BIGINT,
    employee_contributions DECIMAL(18,2), employer_match DECIMAL(18,2), employer_core DECIMAL(18,2),
    forfeitures DECIMAL(18,2), hce_count BIGINT);
CREATE TABLE employer_cost_by_cohort (
    simulation_year INTEGER NOT NULL, hire_cohort INTEGER NOT NULL, headcount BIGINT NOT NULL,
    employer_match DECIMAL(18,2) NOT NULL, employer_core DECIMAL(18,2) NOT NULL,
    forfeitures DECIMAL(18,2) NOT NULL, net_employer_cost DECIMAL(18,2) NOT NULL);
CREATE TABLE compliance_tests (
    simulation_year INTEGER NOT NULL, test VARCHAR NOT NULL, method VARCHAR, status VARCHAR NOT NULL,
    passed BOOLEAN NOT NULL, hce_count BIGINT NOT NULL, nhce_count BIGINT NOT NULL, hce_average DOUBLE,
    nhce_average DOUBLE, nhce_year INTEGER, basic_limit DOUBLE, alternative_limit DOUBLE,
    applied_limit DOUBLE, margin DOUBLE, excess DECIMAL(18,2) NOT NULL, at_limit BIGINT NOT NULL,
    capped BIGINT NOT NULL, at_risk BIGINT NOT NULL, nhce_current_average DOUBLE);
CREATE TABLE weekly_balances (
    simulation_year INTEGER NOT NULL, employee_key UBIGINT NOT NULL, employee_id VARCHAR NOT NULL,
    week_ending DATE NOT NULL, employee_pre_tax_balance DECIMAL(15,2) NOT NULL,
    employee_roth_balance DECIMAL(15,2) NOT NULL, employee_catch_up_balance DECIMAL(15,2) NOT NULL,
    employer_match_balance DECIMAL(15,2) NOT NULL, employer_core_balance DECIMAL(15,2) NOT NULL,
    vested_balance DECIMAL(15,2) NOT NULL, unvested_balance DECIMAL(15,2) NOT NULL,
    ytd_employee_contributions DECIMAL(15,2) NOT NULL, ytd_employer_contributions DECIMAL(15,2) NOT NULL);
CREATE TABLE stage_timings (simulation_year INTEGER, stage VARCHAR NOT NULL, seconds DOUBLE NOT NULL);
";

/// The band of `column` as the run's band table labels it (docs/rules.md: the last band
/// whose minimum the value reaches, else the first).
fn band_case(column: &str, bands: &[Band]) -> String {
    let mut sql = String::from("CASE");
    for b in bands.iter().rev() {
        sql.push_str(&format!(
            " WHEN {column} >= {} THEN {}",
            b.min,
            quote(&b.label)
        ));
    }
    let first = bands.first().map_or("''".to_string(), |b| quote(&b.label));
    sql.push_str(&format!(" ELSE {first} END"));
    sql
}

/// The public views over the stored relations (tables here, views of Parquet files in a
/// Parquet output's `results.duckdb`), in the columns and types of the wide tables.
pub(crate) fn views(config: &ValidConfig) -> Vec<String> {
    let meta = "(SELECT scenario_id, plan_design_id, data_quality_flag, waiting_period_days FROM run_metadata LIMIT 1)";
    let events = format!(
        "CREATE OR REPLACE VIEW events AS SELECT e.event_id, m.scenario_id, m.plan_design_id, e.employee_id,
            p.employee_ssn, e.event_type::VARCHAR AS event_type, e.simulation_year::INTEGER AS simulation_year,
            e.effective_date, e.event_details, e.compensation_amount, e.previous_compensation,
            e.employee_deferral_rate, e.prev_employee_deferral_rate, e.employee_age::INTEGER AS employee_age,
            e.employee_tenure::INTEGER AS employee_tenure, e.level_id::INTEGER AS level_id,
            {} AS age_band, {} AS tenure_band, e.event_probability,
            e.event_category::VARCHAR AS event_category, e.event_sequence::INTEGER AS event_sequence,
            m.data_quality_flag
        FROM event_records e LEFT JOIN employees p ON p.employee_id = e.employee_id CROSS JOIN {meta} m",
        band_case("e.employee_age", &config.age_bands),
        band_case("e.employee_tenure", &config.tenure_bands),
    );
    let snapshot = format!(
        "CREATE OR REPLACE VIEW workforce_snapshot AS SELECT s.employee_id, p.employee_ssn, p.employee_birth_date,
            p.employee_hire_date, s.current_compensation, s.prorated_annual_compensation,
            s.current_compensation AS full_year_equivalent_compensation,
            s.current_age::INTEGER AS current_age, s.current_tenure::INTEGER AS current_tenure,
            s.level_id::INTEGER AS level_id, {} AS age_band, {} AS tenure_band,
            s.employment_status::VARCHAR AS employment_status, s.termination_date,
            s.termination_reason::VARCHAR AS termination_reason,
            s.detailed_status_code::VARCHAR AS detailed_status_code, s.simulation_year::INTEGER AS simulation_year,
            s.employee_eligibility_date, s.waiting_period_days::INTEGER AS waiting_period_days,
            s.scheduled_hours_per_week, m.scenario_id, m.plan_design_id,
            s.current_eligibility_status::VARCHAR AS current_eligibility_status, s.plan_ineligible,
            s.plan_eligibility_date, s.is_enrolled_flag, s.employee_enrollment_date,
            s.enrollment_method::VARCHAR AS enrollment_method, s.ever_opted_out, s.current_deferral_rate,
            s.original_deferral_rate, s.participation_status::VARCHAR AS participation_status,
            s.participation_status_detail::VARCHAR AS participation_status_detail,
            s.first_enrollment_year::INTEGER AS first_enrollment_year,
            s.last_rate_change_year::INTEGER AS last_rate_change_year,
            s.total_deferral_escalations::INTEGER AS total_deferral_escalations, s.total_escalation_amount,
            s.last_escalation_date, s.auto_escalation_opt_out, s.annual_hours_worked,
            s.contribution_deferral_rate, s.total_contribution_base_compensation, s.requested_contributions,
            s.prorated_annual_contributions, s.pre_tax_contributions, s.roth_contributions, s.capped_excess,
            s.applied_irs_limit, s.limit_type::VARCHAR AS limit_type, s.irs_limit_reached,
            s.match_eligibility::VARCHAR AS match_eligibility, s.match_status::VARCHAR AS match_status,
            s.employer_match_amount, s.core_eligibility::VARCHAR AS core_eligibility, s.employer_core_amount,
            s.total_employer_contributions, s.employer_balance, s.employee_balance, s.vested_percentage,
            s.vested_balance, s.forfeiture_amount, s.is_hce, s.employer_match_balance,
            s.employee_roth_balance, s.employee_catch_up_balance
        FROM snapshot_records s LEFT JOIN employees p ON p.employee_id = s.employee_id CROSS JOIN {meta} m",
        band_case("s.current_age", &config.age_bands),
        band_case("s.current_tenure", &config.tenure_bands),
    );
    let plan_ledger_rows = plan_ledger_rows();
    let plan_ledger = format!(
        "CREATE OR REPLACE VIEW plan_ledger AS SELECT l.event_id, m.scenario_id, m.plan_design_id, l.employee_id,
            l.simulation_year::INTEGER AS simulation_year, l.event_type::VARCHAR AS event_type, l.effective_date,
            l.event_sequence::INTEGER AS event_sequence, l.source::VARCHAR AS source, l.amount, l.ytd_amount,
            l.rate, l.vested_match, l.vested_core, l.applicable_limit, l.hours, l.flag, l.prior_flag,
            l.action::VARCHAR AS action, l.pay_period::INTEGER AS pay_period, l.start_date, l.end_date
        FROM plan_ledger_rows l CROSS JOIN {meta} m"
    );
    let census = format!(
        "CREATE OR REPLACE VIEW census AS SELECT p.employee_id, p.employee_ssn, p.employee_birth_date,
            p.employee_hire_date, p.employee_termination_date, p.employee_gross_compensation, p.active,
            p.employee_deferral_rate, p.scheduled_hours_per_week, p.auto_escalation_opt_out,
            p.eligibility_override, p.days_active::INTEGER AS days_active, p.plan_year_compensation,
            p.annualized_compensation, p.eligibility_date,
            p.current_eligibility_status::VARCHAR AS current_eligibility_status, p.enrollment_date,
            p.is_enrolled_at_census, p.level_id::INTEGER AS level_id, p.current_age::INTEGER AS current_age,
            p.current_tenure::INTEGER AS current_tenure, p.in_baseline, m.waiting_period_days
        FROM employees p CROSS JOIN {meta} m WHERE p.in_census"
    );
    vec![events, plan_ledger_rows, plan_ledger, snapshot, census]
}

/// The bits of `snapshot_records.contribution_sources`: which sources a member's derived
/// contributions have, in the ledger's order, and whether the employee's were capped by an
/// IRS limit (`crate::encode::derived`).
pub(crate) mod contribution_sources {
    pub(crate) const PRE_TAX: u8 = 1;
    pub(crate) const ROTH: u8 = 2;
    pub(crate) const CATCH_UP: u8 = 4;
    pub(crate) const MATCH: u8 = 8;
    pub(crate) const CORE: u8 = 16;
    pub(crate) const CAPPED: u8 = 32;
}

/// `plan_ledger_rows`: the whole money ledger in the stored types, the rows written
/// (`plan_ledger_records`) and the annual contributions made again from the snapshot rows
/// that anchor them (`crate::encode::derived`): per source, its amount, date (the last day
/// employed for the employee's money, December 31 for the employer's), flag, id and
/// sequence, as the ledger built them.
fn plan_ledger_rows() -> String {
    use contribution_sources::{CAPPED, CATCH_UP, CORE, MATCH, PRE_TAX, ROTH};
    let has = |bit: u8| format!("((s.contribution_sources & {bit}) <> 0)");
    let count = |bit: u8| format!("{}::INTEGER", has(bit));
    let dec31 = "make_date(s.simulation_year::INTEGER, 12, 31)";
    // One SELECT over the snapshot rows and the five sources (one view to bind, not five).
    let (e, r) = (
        "s.employee_contribution_sequence",
        "s.employer_contribution_sequence",
    );
    let sequence = format!(
        "CASE c.bit WHEN {PRE_TAX} THEN {e} WHEN {ROTH} THEN {e} + {p} WHEN {CATCH_UP} THEN {e} + {p} + {o}
            WHEN {MATCH} THEN {r} ELSE {r} + {m} END",
        p = count(PRE_TAX),
        o = count(ROTH),
        m = count(MATCH),
    );
    let amount = format!(
        "CASE c.bit WHEN {PRE_TAX} THEN s.pre_tax_contributions - s.catch_up_contribution
            WHEN {ROTH} THEN s.roth_contributions WHEN {CATCH_UP} THEN s.catch_up_contribution
            WHEN {MATCH} THEN s.employer_match_amount ELSE s.employer_core_amount END"
    );
    let employee = format!("c.bit < {MATCH}");
    format!(
        "CREATE OR REPLACE VIEW plan_ledger_rows AS SELECT event_id, employee_id,
            simulation_year::SMALLINT AS simulation_year, event_type, effective_date, event_sequence,
            source, amount, ytd_amount, rate, vested_match, vested_core, applicable_limit, hours, flag,
            prior_flag, action, pay_period, start_date, end_date
        FROM plan_ledger_records
        UNION ALL
        SELECT (s.ledger_base + {sequence})::UBIGINT, s.employee_id, s.simulation_year::SMALLINT,
            'contribution'::plan_event_type_t,
            CASE WHEN {employee} THEN least(coalesce(s.termination_date, {dec31}), {dec31}) ELSE {dec31} END,
            ({sequence})::USMALLINT, c.source::money_source_t, ({amount})::DECIMAL(15,2),
            ({amount})::DECIMAL(15,2), NULL::DECIMAL(7,6), NULL::DECIMAL(15,2), NULL::DECIMAL(15,2),
            NULL::DECIMAL(15,2), NULL::DOUBLE, {employee} AND {capped}, NULL::BOOLEAN,
            NULL::plan_action_t, 0::UTINYINT, NULL::DATE, NULL::DATE
        FROM snapshot_records s
        JOIN (VALUES ({PRE_TAX}, 'employee_pre_tax'), ({ROTH}, 'employee_roth'),
            ({CATCH_UP}, 'employee_catch_up'), ({MATCH}, 'employer_match'),
            ({CORE}, 'employer_nonelective')) c(bit, source)
            ON (s.contribution_sources & c.bit) <> 0",
        capped = has(CAPPED),
    )
}

/// The DDL of one stored table, with `create` (e.g. `CREATE TEMP TABLE IF NOT EXISTS`) in
/// place of `CREATE TABLE`.
pub(crate) fn stored_table(name: &str, create: &str) -> String {
    STORED
        .split(';')
        .map(str::trim)
        .find(|s| s.starts_with(&format!("CREATE TABLE {name} (")))
        .map(|s| s.replacen("CREATE TABLE", create, 1))
        .unwrap_or_default()
}

/// The catalog of a Parquet output: the ENUM types and the two tables that are not files.
pub(crate) fn catalog() -> Vec<String> {
    let mut all = enum_ddl();
    all.push(stored_table("run_metadata", "CREATE TABLE"));
    all.push(stored_table("stage_timings", "CREATE TABLE"));
    all
}

/// Every statement that creates an empty results database: types, tables, views.
pub(crate) fn create(config: &ValidConfig) -> Vec<String> {
    let mut all = enum_ddl();
    all.extend(
        STORED
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from),
    );
    all.extend(views(config));
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_case_labels_like_the_band_table() {
        let config = workforce_sim_core::config::Config::default()
            .validate()
            .unwrap();
        let sql = band_case("x", &config.age_bands);
        let first = &config.age_bands[0].label;
        assert!(
            sql.ends_with(&format!("ELSE {} END", quote(first))),
            "{sql}"
        );
        assert_eq!(sql.matches(" WHEN ").count(), config.age_bands.len());
    }

    #[test]
    fn paths_are_read_literally() {
        assert_eq!(
            literal_path(std::path::Path::new("/a/Clients [ACME]/run?/x*")),
            "/a/Clients [[]ACME]/run[?]/x[*]"
        );
        assert_eq!(
            partition_value("seed", 1),
            "regexp_extract(filename, '/seed=([^/]*)/part-0[.]parquet$', 1)"
        );
    }

    #[test]
    fn quotes_are_escaped() {
        assert_eq!(quote("it's"), "'it''s'");
    }
}
