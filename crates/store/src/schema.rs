//! The schema of the results database: the tables this tool owns and their DDL.

/// The tables this tool owns in a database file.
pub const TABLES: [&str; 7] = [
    "run_metadata",
    "census",
    "workforce_needs",
    "events",
    "workforce_snapshot",
    "year_summary",
    "stage_timings",
];

pub(crate) const SCHEMA: &str = "
CREATE TABLE run_metadata (
    run_id VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, finished_at TIMESTAMP, tool_version VARCHAR NOT NULL,
    engine VARCHAR NOT NULL, random_seed UBIGINT NOT NULL, start_year INTEGER NOT NULL, end_year INTEGER NOT NULL,
    census_source VARCHAR NOT NULL, census_rows BIGINT NOT NULL, baseline_headcount BIGINT NOT NULL,
    config_fingerprint VARCHAR NOT NULL, config_json VARCHAR NOT NULL, status VARCHAR NOT NULL,
    last_committed_year INTEGER, threads INTEGER NOT NULL);
CREATE TABLE census (
    employee_id VARCHAR NOT NULL PRIMARY KEY, employee_ssn VARCHAR NOT NULL, employee_birth_date DATE NOT NULL,
    employee_hire_date DATE NOT NULL, employee_termination_date DATE, employee_gross_compensation DECIMAL(15,2) NOT NULL,
    active BOOLEAN, employee_deferral_rate DOUBLE, scheduled_hours_per_week DOUBLE, auto_escalation_opt_out BOOLEAN,
    eligibility_override BOOLEAN, days_active INTEGER NOT NULL, plan_year_compensation DECIMAL(15,2) NOT NULL,
    annualized_compensation DECIMAL(15,2) NOT NULL, eligibility_date DATE NOT NULL, current_eligibility_status VARCHAR NOT NULL,
    enrollment_date DATE, is_enrolled_at_census BOOLEAN NOT NULL, level_id INTEGER NOT NULL, current_age INTEGER NOT NULL,
    current_tenure INTEGER NOT NULL, in_baseline BOOLEAN NOT NULL, waiting_period_days INTEGER NOT NULL);
CREATE TABLE workforce_needs (
    simulation_year INTEGER NOT NULL PRIMARY KEY, n_start BIGINT, experienced BIGINT, prior_year_hires BIGINT,
    target_ending BIGINT, expected_experienced_terminations BIGINT, survivors BIGINT, net_from_hires BIGINT, hires BIGINT,
    implied_new_hire_terminations BIGINT, rif_terminations BIGINT, total_experienced_terminations BIGINT,
    balance_error BIGINT, balance_status VARCHAR, failed_guards VARCHAR, termination_quotas VARCHAR, hire_quotas VARCHAR);
CREATE TABLE events (
    event_id UBIGINT NOT NULL, scenario_id VARCHAR NOT NULL, plan_design_id VARCHAR NOT NULL,
    employee_id VARCHAR NOT NULL, employee_ssn VARCHAR NOT NULL, event_type VARCHAR NOT NULL,
    simulation_year INTEGER NOT NULL, effective_date DATE NOT NULL, event_details VARCHAR,
    compensation_amount DECIMAL(15,2), previous_compensation DECIMAL(15,2), employee_deferral_rate DECIMAL(7,6),
    prev_employee_deferral_rate DECIMAL(7,6), employee_age INTEGER, employee_tenure INTEGER, level_id INTEGER,
    age_band VARCHAR, tenure_band VARCHAR, event_probability DOUBLE, event_category VARCHAR NOT NULL,
    event_sequence INTEGER NOT NULL, data_quality_flag VARCHAR NOT NULL);
CREATE TABLE workforce_snapshot (
    employee_id VARCHAR NOT NULL, employee_ssn VARCHAR NOT NULL, employee_birth_date DATE NOT NULL,
    employee_hire_date DATE NOT NULL, current_compensation DECIMAL(15,2) NOT NULL,
    prorated_annual_compensation DECIMAL(15,2) NOT NULL, full_year_equivalent_compensation DECIMAL(15,2) NOT NULL,
    current_age INTEGER NOT NULL, current_tenure INTEGER NOT NULL, level_id INTEGER NOT NULL, age_band VARCHAR NOT NULL,
    tenure_band VARCHAR NOT NULL, employment_status VARCHAR NOT NULL, termination_date DATE, termination_reason VARCHAR,
    detailed_status_code VARCHAR NOT NULL, simulation_year INTEGER NOT NULL, employee_eligibility_date DATE NOT NULL,
    waiting_period_days INTEGER NOT NULL, scheduled_hours_per_week DOUBLE, scenario_id VARCHAR NOT NULL,
    plan_design_id VARCHAR NOT NULL,
    current_eligibility_status VARCHAR NOT NULL, plan_ineligible BOOLEAN NOT NULL, plan_eligibility_date DATE,
    is_enrolled_flag BOOLEAN NOT NULL, employee_enrollment_date DATE, enrollment_method VARCHAR NOT NULL,
    ever_opted_out BOOLEAN NOT NULL, current_deferral_rate DECIMAL(7,6) NOT NULL, original_deferral_rate DECIMAL(7,6) NOT NULL,
    participation_status VARCHAR NOT NULL, participation_status_detail VARCHAR NOT NULL,
    first_enrollment_year INTEGER NOT NULL, last_rate_change_year INTEGER NOT NULL,
    total_deferral_escalations INTEGER NOT NULL, total_escalation_amount DECIMAL(7,6) NOT NULL, last_escalation_date DATE,
    auto_escalation_opt_out BOOLEAN NOT NULL, annual_hours_worked DOUBLE NOT NULL,
    contribution_deferral_rate DECIMAL(7,6) NOT NULL, total_contribution_base_compensation DECIMAL(15,2) NOT NULL,
    requested_contributions DECIMAL(15,2) NOT NULL, prorated_annual_contributions DECIMAL(15,2) NOT NULL,
    pre_tax_contributions DECIMAL(15,2) NOT NULL, roth_contributions DECIMAL(15,2) NOT NULL,
    capped_excess DECIMAL(15,2) NOT NULL, applied_irs_limit DECIMAL(15,2) NOT NULL, limit_type VARCHAR NOT NULL,
    irs_limit_reached BOOLEAN NOT NULL, match_eligibility VARCHAR NOT NULL, match_status VARCHAR NOT NULL,
    employer_match_amount DECIMAL(15,2) NOT NULL, core_eligibility VARCHAR NOT NULL,
    employer_core_amount DECIMAL(15,2) NOT NULL, total_employer_contributions DECIMAL(15,2) NOT NULL,
    employer_balance DECIMAL(15,2) NOT NULL, employee_balance DECIMAL(15,2) NOT NULL, vested_percentage DOUBLE NOT NULL,
    vested_balance DECIMAL(15,2) NOT NULL, forfeiture_amount DECIMAL(15,2) NOT NULL, is_hce BOOLEAN NOT NULL);
CREATE TABLE year_summary (
    simulation_year INTEGER NOT NULL PRIMARY KEY, starting_headcount BIGINT, hires BIGINT, experienced_terminations BIGINT,
    new_hire_terminations BIGINT, promotions BIGINT, raises BIGINT, ending_headcount BIGINT, target_ending BIGINT,
    total_events BIGINT, snapshot_rows BIGINT, payroll DECIMAL(18,2), prorated_payroll DECIMAL(18,2),
    eligible BIGINT, participants BIGINT, participation_rate DOUBLE, average_deferral_rate DOUBLE,
    enrollments BIGINT, opt_outs BIGINT, escalations BIGINT, match_responses BIGINT,
    employee_contributions DECIMAL(18,2), employer_match DECIMAL(18,2), employer_core DECIMAL(18,2),
    forfeitures DECIMAL(18,2), hce_count BIGINT);
CREATE TABLE stage_timings (simulation_year INTEGER, stage VARCHAR NOT NULL, seconds DOUBLE NOT NULL);
";
