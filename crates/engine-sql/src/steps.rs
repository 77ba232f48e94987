//! Steps 3-8 of docs/rules.md 3.0 as one statement each: experienced terminations (3.4),
//! hires (3.5), new-hire terminations (3.6), promotions (3.7) and raises (3.8).

use crate::literal::{categorical_case, lit};
use std::fmt::Write as _;
use workforce_sim_core::config::{PromotionDistribution, RaiseTiming};
use workforce_sim_core::date::{self, Day};
use workforce_sim_core::engine::NO_TERMINATION;
use workforce_sim_core::engine::{Foundation, YearContext};
use workforce_sim_core::rules::hiring;
use workforce_sim_core::rules::{merit_raise, promotion, termination};

/// Step 3 (3.4): per level, the first `quota` by `(h, employee_id)`; the date from two draws.
pub(crate) fn terminations_sql(ctx: &YearContext<'_>) -> String {
    let floor = date::jan1(ctx.year) + termination::DATE_FLOOR;
    let (floor_spread, spread) = (termination::DATE_FLOOR_SPREAD, termination::DATE_SPREAD);
    format!(
        "CREATE OR REPLACE TABLE wfs_term AS
         SELECT r.i::UINTEGER AS i,
                ({floor} + wfs_mix(xor(r.e_term, y.term_date_min)) % {floor_spread}
                   + wfs_mix(xor(r.e_term, y.term_date)) % {spread})::INTEGER AS term_date
         FROM (SELECT e.i, e.e_term, l.term_quota,
                      row_number() OVER (PARTITION BY e.level
                                         ORDER BY wfs_mix(xor(e.e_term, y.term_select)), e.employee_id) AS rn
               FROM wfs_emp e JOIN wfs_level l USING (level), wfs_year y
               WHERE l.term_quota > 0) r, wfs_year y
         WHERE r.rn <= r.term_quota;"
    )
}

/// Step 4 (3.5): the hires by level and sequence number.
pub(crate) fn hires_sql(ctx: &YearContext<'_>) -> String {
    let c = ctx.config;
    let year = ctx.year;
    let jan1 = date::jan1(year);
    let ssn_offset = hiring::ssn_offset(c, year);
    let weights: Vec<f64> = c.hiring.age_distribution.iter().map(|a| a.weight).collect();
    let ages: Vec<String> = c
        .hiring
        .age_distribution
        .iter()
        .map(|a| format!("{}::USMALLINT", a.age))
        .collect();
    let age = categorical_case(
        &weights,
        &ages,
        "wfs_unit(wfs_mix(xor(k.e_hire, y.hire_age)))",
    )
    .unwrap_or_else(|| format!("{}::USMALLINT", hiring::DEFAULT_AGE));
    let pt = lit(c.workforce.part_time_new_hire_pct);
    format!(
        "CREATE OR REPLACE TABLE wfs_hire AS
         WITH s AS (
             SELECT level, unnest(range(hire_start::BIGINT + 1, (hire_start + hire_quota)::BIGINT + 1)) AS seq, nh_avg
             FROM wfs_level WHERE hire_quota > 0),
         ids AS (SELECT s.*, printf('NH_%d_%06d', {year}, seq) AS employee_id FROM s),
         k AS (SELECT ids.*, wfs_fnv(employee_id) AS id_key,
                      wfs_mix(xor(y.seed_hire, wfs_fnv(employee_id))) AS e_hire
               FROM ids, wfs_year y),
         a AS (SELECT k.*, {age} AS age,
                      wfs_unit(wfs_mix(xor(k.e_hire, y.hire_part_time))) < {pt} AS part_time
               FROM k, wfs_year y)
         SELECT seq::UINTEGER AS seq, employee_id,
                printf('SSN-%d', {ssn_offset} + seq) AS employee_ssn,
                id_key, level::UTINYINT AS level, age,
                ({jan1} + seq % 365)::INTEGER AS hire_date,
                ({jan1} - age * 365)::INTEGER AS birth_date,
                wfs_round2(nh_avg * ({} + (seq % 10)::DOUBLE * {})) AS comp,
                part_time,
                wfs_mix(xor(y.seed_term, id_key)) AS e_term,
                wfs_mix(xor(y.seed_plan, id_key)) AS e_plan
         FROM a, wfs_year y;",
        lit(hiring::PAY_FLOOR),
        lit(hiring::PAY_STEP),
    )
}

/// Step 5 (3.6): the solver's implied count among the hires, by rank; dates after the hire.
pub(crate) fn new_hire_terminations_sql(ctx: &YearContext<'_>, f: &Foundation) -> String {
    let dec31 = date::dec31(ctx.year);
    let target = f.needs.implied_new_hire_terminations;
    let (floor, floor_spread) = (termination::DATE_FLOOR, termination::DATE_FLOOR_SPREAD);
    format!(
        "CREATE OR REPLACE TABLE wfs_nh_term AS
         WITH c AS (
             SELECT h.seq, h.employee_id, h.hire_date, ({dec31} - h.hire_date)::UBIGINT AS d,
                    wfs_mix(xor(h.e_term, y.nh_date)) AS r,
                    {floor} + wfs_mix(xor(h.e_term, y.nh_date_min)) % {floor_spread} AS m,
                    wfs_mix(xor(h.e_term, y.nh_select)) AS h
             FROM wfs_hire h, wfs_year y WHERE h.hire_date < {dec31}),
         o AS (
             SELECT seq, (hire_date + CASE
                     WHEN d < 30 THEN 1 + r % d
                     WHEN d < 90 THEN 30 + r % (d - 29)
                     ELSE m + r % (CASE WHEN d + 1 > m THEN d + 1 - m ELSE 1 END) END)::INTEGER AS term_date,
                    row_number() OVER (ORDER BY h, employee_id) AS rn
             FROM c)
         SELECT seq::UINTEGER AS seq, term_date FROM o WHERE rn <= {target};"
    )
}

/// Step 7 (3.7): promotions on Feb 1 for the eligible who are still employed then.
pub(crate) fn promotions_sql(ctx: &YearContext<'_>) -> String {
    let c = ctx.config;
    let p = &c.promotion;
    let feb1 = promotion::promotion_date(ctx.year);
    let top = c.job_levels.len();
    let v = "wfs_unit(wfs_mix(xor(h.e_promo, y.promotion_raise)))";
    let jitter = match p.distribution_type {
        PromotionDistribution::Uniform => format!(
            "({v} - {}) * {} * {}",
            lit(0.5),
            lit(2.0),
            lit(p.distribution_range)
        ),
        PromotionDistribution::Normal => format!(
            "sqrt({} * ln((floor({} * {v}) + {}) / {})) \
             * cos({} * wfs_unit(wfs_mix(xor(h.e_promo, y.promotion_raise2)))) * {}",
            lit(-2.0),
            lit(1000.0),
            lit(1.0),
            lit(1001.0),
            lit(std::f64::consts::TAU),
            lit(p.normal_std_dev)
        ),
        PromotionDistribution::Deterministic => lit(0.0),
    };
    let default_pct = format!("{} + {jitter}", lit(p.base_increase_pct));
    let pct = if p.level_overrides.is_empty() {
        default_pct
    } else {
        let mut case = String::from("CASE h.level");
        for o in &p.level_overrides {
            let _ = write!(case, " WHEN {} THEN {}", o.level, lit(o.increase_pct));
        }
        let _ = write!(case, " ELSE {default_pct} END");
        case
    };
    format!(
        "CREATE OR REPLACE TABLE wfs_promotion AS
         WITH h AS (
             SELECT e.i, e.level, e.comp, e.e_promo,
                    least({base} * tb.mult * ab.mult
                          * greatest({one} - {damp} * (e.level::DOUBLE - {one}), {zero}) * {rm}, {one}) AS hazard
             FROM wfs_emp e
             LEFT JOIN wfs_term t USING (i)
             JOIN wfs_tenure_band tb ON tb.v = least(e.tenure, {tenure_top})
             JOIN wfs_age_band ab ON ab.v = least(e.age, {age_top})
             WHERE e.tenure >= {min_tenure} AND e.level < {top} AND e.age < {age_limit}
               AND coalesce(t.term_date, {never}) >= {feb1}),
         s AS (SELECT h.i, h.level, h.comp, h.hazard, {pct} AS pct
               FROM h, wfs_year y WHERE wfs_unit(wfs_mix(xor(h.e_promo, y.promotion))) < h.hazard)
         SELECT i::UINTEGER AS i, (level + 1)::UTINYINT AS new_level,
                wfs_round2(least(comp * ({one} + {cap_pct}), comp + {cap_amt},
                                 greatest(comp * ({one} + pct), comp))) AS new_comp,
                hazard, pct
         FROM s;",
        base = lit(p.base_rate),
        damp = lit(p.level_dampener_factor),
        rm = lit(p.rate_multiplier),
        one = lit(1.0),
        zero = lit(0.0),
        never = NO_TERMINATION,
        cap_pct = lit(p.max_cap_pct),
        cap_amt = lit(p.max_cap_amount),
        tenure_top = ctx.tenure_bands.top(),
        age_top = ctx.age_bands.top(),
        min_tenure = promotion::MIN_TENURE,
        age_limit = promotion::AGE_LIMIT,
    )
}

/// Step 8 (3.8): merit + COLA for the eligible still employed on the raise date.
pub(crate) fn raises_sql(ctx: &YearContext<'_>) -> String {
    let c = ctx.config;
    let year = ctx.year;
    let raise_date = match c.compensation.raise_timing {
        RaiseTiming::CalendarDriven => merit_raise::calendar_date(year).to_string(),
        RaiseTiming::Legacy => format!(
            "CASE WHEN strlen(e.employee_id) % 2 = 0 THEN {} ELSE {} END",
            merit_raise::legacy_date(year, true),
            merit_raise::legacy_date(year, false)
        ),
        RaiseTiming::Realistic => {
            let months: Vec<String> = (1..=12u32).map(|m| m.to_string()).collect();
            let month = categorical_case(
                &c.compensation.raise_timing_distribution,
                &months,
                "wfs_unit(wfs_mix(xor(e.e_raise, y.raise_month)))",
            )
            .unwrap_or_else(|| merit_raise::DEFAULT_MONTH.to_string());
            let windows: Vec<(Day, u64)> = (1..=12)
                .map(|m| merit_raise::month_window(year, m))
                .collect();
            let firsts: Vec<String> = windows.iter().map(|w| w.0.to_string()).collect();
            let lens: Vec<String> = windows.iter().map(|w| w.1.to_string()).collect();
            format!(
                "[{}][{month}] + (wfs_mix(xor(e.e_raise, y.raise_day)) % [{}][{month}]::UBIGINT)::INTEGER",
                firsts.join(", "),
                lens.join(", ")
            )
        }
    };
    let cola = lit(ctx.params.cola);
    format!(
        "CREATE OR REPLACE TABLE wfs_raise AS
         WITH r AS (
             SELECT e.i, e.comp, l.merit, ({raise_date})::INTEGER AS raise_date, t.term_date
             FROM wfs_emp e JOIN wfs_level l USING (level) LEFT JOIN wfs_term t USING (i), wfs_year y
             WHERE e.tenure >= {min_tenure} AND l.merit > {zero})
         SELECT i::UINTEGER AS i,
                wfs_round2(least(comp * {one_half}, comp + {cap},
                    CASE WHEN merit + {cola} > {half} THEN comp * {one_half}
                         WHEN merit + {cola} < {zero} THEN comp
                         ELSE comp * ({one} + (merit + {cola})) END)) AS new_comp,
                raise_date, merit
         FROM r WHERE coalesce(term_date, {never}) >= raise_date;",
        zero = lit(0.0),
        one = lit(1.0),
        half = lit(merit_raise::MAX_TOTAL_RATE),
        one_half = lit(merit_raise::MAX_FACTOR),
        cap = lit(merit_raise::MAX_INCREASE),
        min_tenure = merit_raise::MIN_TENURE,
        never = NO_TERMINATION,
    )
}
