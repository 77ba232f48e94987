//! Steps 9-12 of docs/rules.md 3.0 as one chain of CTEs over the roster: eligibility (3.9),
//! enrollment and its resolution (3.10), the auto-enrollment opt-out, the start-year match
//! response (3.11) and auto-escalation (3.12). The expressions of each rule are built by a
//! function of their own; [`plan_sql`] places them in the chain.

use crate::literal::{lit, pick, segment_case};
use std::fmt::Write as _;
use workforce_sim_core::config::plan::{optional_day, AutoEnrollmentScope};
use workforce_sim_core::date::{self, Day};
use workforce_sim_core::engine::YearContext;
use workforce_sim_core::engine::NO_TERMINATION;
use workforce_sim_core::rules::{enrollment, escalation, match_response};

/// The member's uniform plan draw of the year's draw column `code` (`wfs_year`).
fn u(code: &str) -> String {
    format!("wfs_unit(wfs_mix(xor(m.e_plan, y.{code})))")
}

fn b(x: bool) -> &'static str {
    if x {
        "TRUE"
    } else {
        "FALSE"
    }
}

/// Hired on or after `d` (always, without a cutoff).
fn at_or_after(d: Option<Day>) -> String {
    d.map_or("TRUE".to_string(), |d| format!("m.hire_date >= {d}"))
}

/// Whether auto-enrollment reaches the member (3.10): enabled, hired on or after the cutoff,
/// and in the scope (new hires only after the first year, when so configured).
fn auto_enrollment_scope(ctx: &YearContext<'_>) -> String {
    let ae = &ctx.config.plan.auto_enrollment;
    let start_year = ctx.year == ctx.config.simulation.start_year;
    format!(
        "({} AND {} AND {})",
        b(ae.enabled),
        at_or_after(optional_day(&ae.hire_date_cutoff)),
        match ae.scope {
            AutoEnrollmentScope::NewHiresOnly if !start_year => "m.hired",
            _ => "TRUE",
        }
    )
}

/// The segments of 3.10: voluntary age, auto-enrollment age, income, year-over-year tenure.
fn segments() -> [String; 4] {
    let income_limits = enrollment::INCOME_LIMITS.map(lit);
    [
        segment_case("m.age", "<=", &enrollment::VOLUNTARY_AGE_LIMITS),
        segment_case("m.age", "<=", &enrollment::AE_AGE_LIMITS),
        segment_case("m.comp", "<", &income_limits),
        segment_case("m.tenure", "<=", &enrollment::YOY_TENURE_LIMITS),
    ]
}

/// 3.10's probabilities and default rate by segment: `vol_p` (voluntary and proactive),
/// `yoy_p` (year over year), `seg_rate` (the segment's deferral rate), `p_opt` (opt-out).
fn enrollment_probabilities(ctx: &YearContext<'_>) -> [String; 4] {
    let c = ctx.config;
    let [vseg, aseg, iseg, tseg] = segments();
    let mut level_mult = String::from("(CASE");
    for l in 1..=c.job_levels.len() as u8 {
        let _ = write!(
            level_mult,
            " WHEN m.level = {l} THEN {}",
            lit(enrollment::level_multiplier(l))
        );
    }
    let _ = write!(
        level_mult,
        " ELSE {} END)",
        lit(enrollment::level_multiplier(u8::MAX))
    );
    let dial = lit(c.plan.voluntary_enrollment.rate_multiplier);
    let vol_p = format!(
        "{} * {} * {level_mult} * {dial}",
        pick(&enrollment::VOLUNTARY_AGE_BASE, &vseg),
        pick(&enrollment::VOLUNTARY_INCOME, &iseg),
    );
    let yoy_p = format!(
        "{} * {} * {} * {dial}",
        pick(&enrollment::YOY_AGE_BASE, &vseg),
        pick(&enrollment::YOY_INCOME, &iseg),
        pick(&enrollment::YOY_TENURE, &tseg),
    );
    let segment_rates: Vec<f64> = enrollment::SEGMENT_RATES
        .iter()
        .flatten()
        .copied()
        .collect();
    let seg_rate = pick(&segment_rates, &format!("{vseg} * 4 + {iseg}"));
    let p_opt = format!(
        "{} * {} * {}",
        pick(&enrollment::OPT_OUT_AGE, &aseg),
        lit(c.plan.auto_enrollment.opt_out_target_rate),
        pick(&enrollment::OPT_OUT_INCOME, &iseg)
    );
    [vol_p, yoy_p, seg_rate, p_opt]
}

/// 3.10.3: the rate of a voluntary or proactive enrollment (they share the rule; only the
/// magnet draw differs): the segment's rate, snapped to the match ceiling by the magnet,
/// within the plan's bounds.
fn voluntary_rate(ctx: &YearContext<'_>, magnet: &str) -> String {
    let p = &ctx.config.plan;
    let v = &p.voluntary_enrollment;
    let ceiling = lit(p.match_ceiling());
    let snapped = if v.match_magnet_enabled {
        format!(
            "CASE WHEN {ceiling} > {zero} AND m.seg_rate < {ceiling} AND {} < {} \
             THEN {ceiling} ELSE m.seg_rate END",
            u(magnet),
            lit(v.match_magnet_snap_probability),
            zero = lit(0.0),
        )
    } else {
        "m.seg_rate".to_string()
    };
    format!(
        "least(greatest({snapped}, {}), {})",
        lit(enrollment::MIN_DEFERRAL_RATE),
        lit(v.max_deferral_rate.max(enrollment::MIN_DEFERRAL_RATE))
    )
}

/// 3.11, in the start year only: the enrolled member's new rate toward the match ceiling
/// (before rounding; NULL for no response).
fn match_response_sql(ctx: &YearContext<'_>) -> String {
    let p = &ctx.config.plan;
    let mr = &p.match_response;
    if !(mr.enabled && ctx.year == ctx.config.simulation.start_year) {
        return "NULL::DOUBLE".to_string();
    }
    let ceiling = lit(p.match_ceiling());
    let half_pct = |x: String| {
        format!(
            "(round(({x}) / {d}) * {d})",
            d = lit(match_response::RATE_STEP)
        )
    };
    format!(
        "CASE WHEN m.hired OR NOT m.enrolled OR m.boundary < {jan1} THEN NULL
              WHEN m.rate < {ceiling} AND {uu} < {up} THEN
                   least(CASE WHEN {uu} < {up_max} THEN {ceiling} ELSE {up_half} END,
                         CASE WHEN m.comp > {zero} THEN least({cap}, {dollars} / m.comp) ELSE {cap} END)
              WHEN m.rate > {ceiling} AND {down_on} AND {ud} < {down} THEN
                   greatest(CASE WHEN {ud} < {down_max} THEN {ceiling} ELSE {down_half} END, {zero})
         END",
        jan1 = date::jan1(ctx.year),
        zero = lit(0.0),
        uu = u("match_up"),
        ud = u("match_down"),
        up = lit(mr.up_participation),
        up_max = lit(mr.up_participation * mr.up_maximize),
        up_half = half_pct(format!(
            "m.rate + {} * ({ceiling} - m.rate)",
            lit(mr.up_partial_factor)
        )),
        down = lit(mr.down_participation),
        down_max = lit(mr.down_participation * mr.down_reduce_to_max),
        down_half = half_pct(format!(
            "m.rate - {} * (m.rate - {ceiling})",
            lit(mr.down_partial_factor)
        )),
        cap = lit(p.auto_escalation.maximum_rate),
        dollars = lit(mr.rate_cap_dollars),
        down_on = b(mr.down_enabled),
    )
}

/// 3.12: the escalated rate of an eligible enrolled member (NULL when it does not apply).
fn escalation_sql(ctx: &YearContext<'_>) -> String {
    let esc = &ctx.config.plan.auto_escalation;
    if !esc.enabled {
        return "NULL::DOUBLE".to_string();
    }
    format!(
        "CASE WHEN NOT m.hired AND m.boundary >= {jan1} AND {cutoff}
               AND ({not_required} OR m.enrolled) AND NOT m.ever_opted_out
               AND NOT m.census_esc_opt_out AND m.rate > {zero} AND m.rate < {cap}
               AND m.last_change_year < {year} AND {year} - m.first_enroll_year >= {delay}
          THEN wfs_round_rate(least({cap}, m.rate + {inc})) END",
        jan1 = date::jan1(ctx.year),
        year = ctx.year,
        zero = lit(0.0),
        cutoff = at_or_after(optional_day(&esc.hire_date_cutoff)),
        not_required = b(!esc.require_active_enrollment),
        cap = lit(esc.maximum_rate),
        delay = esc.first_escalation_delay_years,
        inc = lit(esc.increment),
    )
}

/// 3.9's new-hire override: a hire drawn into the ineligible share (FALSE without one).
fn hire_ineligible(ctx: &YearContext<'_>) -> String {
    let e = &ctx.config.plan.eligibility;
    if e.new_hire_ineligible_pct > 0.0 {
        format!(
            "wfs_unit(wfs_mix(xor(h.e_plan, y.new_hire_override))) < {}",
            lit(e.new_hire_ineligible_pct)
        )
    } else {
        "FALSE".to_string()
    }
}

/// Steps 9-12 (3.9-3.12) for every member of the roster: eligibility, the enrollment that
/// survives resolution (voluntary > proactive > year-over-year > auto), the auto-enrollment
/// opt-out, the start-year match response and auto-escalation. Each CTE reads the one before
/// it under the alias `m`; only members with at least one decision are returned.
pub(crate) fn plan_sql(ctx: &YearContext<'_>) -> String {
    let p = &ctx.config.plan;
    let year = ctx.year;
    let (jan1, dec31) = (date::jan1(year), date::dec31(year));
    let jan15 = jan1 + 14;
    let jun15 = date::days_from_civil(year, 6, 15);
    let ceiling = lit(p.match_ceiling());
    let e = &p.eligibility;
    let ae = &p.auto_enrollment;
    let v = &p.voluntary_enrollment;
    let mr = &p.match_response;
    let zero = lit(0.0);
    let one = lit(1.0);
    let in_scope = auto_enrollment_scope(ctx);
    let [vol_p, yoy_p, seg_rate, p_opt] = enrollment_probabilities(ctx);
    let vseg = &segments()[0];
    let match_raw = match_response_sql(ctx);
    let escalation = escalation_sql(ctx);
    let hire_ineligible = hire_ineligible(ctx);
    let wait = e.waiting_period_days;
    let ok = |day: &str| format!("({day} >= m.eligible_on AND {day} <= m.boundary)");
    format!(
        "CREATE OR REPLACE TABLE wfs_plan AS
         WITH roster AS (
             SELECT FALSE AS hired, e.i::BIGINT AS idx, e.e_plan, e.hire_date, e.age, e.tenure,
                    e.level, e.comp, coalesce(t.term_date, {never}) AS boundary, e.ineligible,
                    e.elig_date, e.enrolled, e.ever_opted_out, e.rate, e.census_esc_opt_out,
                    e.last_change_year, e.first_enroll_year
             FROM wfs_emp e LEFT JOIN wfs_term t USING (i)
             UNION ALL
             SELECT TRUE, h.seq::BIGINT - 1, h.e_plan, h.hire_date, h.age, 0::USMALLINT, h.level,
                    h.comp, coalesce(t.term_date, {never}), {hire_ineligible}, NULL::INTEGER,
                    FALSE, FALSE, {zero}, FALSE, 0, 0
             FROM wfs_hire h LEFT JOIN wfs_nh_term t USING (seq), wfs_year y),
         eligibility AS (
             SELECT m.*,
                    CASE WHEN m.elig_date IS NULL AND m.age >= {min_age}
                              AND ({wait} = 0 OR {dec31} - m.hire_date >= {wait})
                         THEN greatest(m.hire_date + {wait},
                                       wfs_jan1({year} - m.age::INTEGER + {min_age})) END AS candidate
             FROM roster m WHERE NOT m.ineligible),
         dated AS (
             SELECT m.*, CASE WHEN m.candidate <= m.boundary THEN m.candidate END AS elig_day
             FROM eligibility m),
         inputs AS (
             SELECT m.*, coalesce(m.elig_date, m.elig_day) AS eligible_on,
                    {vol_p} AS vol_p, {yoy_p} AS yoy_p, {seg_rate} AS seg_rate, {p_opt} AS p_opt,
                    CASE WHEN m.hired THEN m.hire_date + {enroll_wait} ELSE {jan15} END AS vol_day,
                    coalesce(m.elig_date, m.elig_day) + {pmin}
                        + floor({u_timing} * {span})::INTEGER AS pro_day,
                    CASE WHEN m.hired THEN m.hire_date + {window} ELSE {jan15} END AS ae_day,
                    CASE WHEN m.hired THEN m.hire_date + {opt_wait} ELSE {jun15} END AS opt_day_c,
                    {in_scope} AS in_scope
             FROM dated m, wfs_year y),
         resolved AS (
             SELECT m.*,
                 CASE WHEN m.enrolled OR m.eligible_on IS NULL THEN NULL
                      WHEN NOT m.ever_opted_out AND (NOT m.hired OR m.vol_day <= {dec31})
                           AND {ok_vol} AND {u_vol} < m.vol_p THEN 0
                      WHEN m.hired AND m.in_scope AND NOT m.ever_opted_out AND {pro_on}
                           AND {ok_pro} AND {u_pro} < m.vol_p THEN 1
                      WHEN NOT m.hired AND NOT m.ever_opted_out AND {yoy_on}
                           AND {ok_yoy} AND {u_yoy} < m.yoy_p THEN 2
                      WHEN m.in_scope AND {ok_ae} THEN 3 END AS enr_cat
             FROM inputs m, wfs_year y),
         decided AS (
             SELECT m.hired, m.idx::UINTEGER AS idx, m.elig_day::INTEGER AS elig_day,
                 m.enr_cat::UTINYINT AS enr_cat, m.rate,
                 (CASE m.enr_cat WHEN 0 THEN m.vol_day WHEN 1 THEN m.pro_day
                                 WHEN 2 THEN {jun15} WHEN 3 THEN m.ae_day END)::INTEGER AS enr_day,
                 CASE m.enr_cat WHEN 0 THEN {vol_rate} WHEN 1 THEN {pro_rate}
                                WHEN 2 THEN {yoy_rate} WHEN 3 THEN {ae_rate} END AS enr_rate,
                 CASE m.enr_cat WHEN 0 THEN m.vol_p WHEN 1 THEN m.vol_p WHEN 2 THEN m.yoy_p
                                WHEN 3 THEN {one} END AS enr_prob,
                 (CASE WHEN m.enr_cat = 3 AND m.opt_day_c <= m.boundary AND {u_opt} < m.p_opt
                       THEN m.opt_day_c END)::INTEGER AS opt_day,
                 m.p_opt AS opt_prob,
                 wfs_round_rate({match_raw}) AS mr_new,
                 CASE WHEN m.rate < {ceiling} THEN {up} ELSE {down} END AS mr_prob,
                 {escalation} AS esc_new
             FROM resolved m, wfs_year y),
         final_rows AS (
             SELECT m.*,
                 CASE WHEN abs(m.mr_new - m.rate) > {eps} THEN m.mr_new END AS mr_rate,
                 CASE WHEN m.esc_new - m.rate >= {esc_min} THEN m.esc_new END AS esc_rate
             FROM decided m)
         SELECT hired, idx, elig_day, enr_cat, enr_day, enr_rate, enr_prob, opt_day,
                CASE WHEN opt_day IS NOT NULL THEN opt_prob END AS opt_prob,
                mr_rate, mr_prob, esc_rate
         FROM final_rows
         WHERE elig_day IS NOT NULL OR enr_cat IS NOT NULL OR mr_rate IS NOT NULL
            OR esc_rate IS NOT NULL;",
        never = NO_TERMINATION,
        min_age = e.minimum_age,
        enroll_wait = e.enrollment_waiting_period_days,
        pmin = v.proactive_min_days,
        u_timing = u("proactive_timing"),
        span = lit((v.proactive_max_days - v.proactive_min_days) as f64),
        window = ae.window_days,
        opt_wait = ae.window_days + ae.opt_out_grace_period_days,
        ok_vol = ok("m.vol_day"),
        ok_pro = ok("m.pro_day"),
        ok_yoy = ok(&jun15.to_string()),
        ok_ae = ok("m.ae_day"),
        u_vol = u("voluntary"),
        pro_on = b(v.proactive_enabled),
        u_pro = u("proactive"),
        yoy_on = b(v.year_over_year_enabled),
        u_yoy = u("yoy"),
        vol_rate = voluntary_rate(ctx, "voluntary_magnet"),
        pro_rate = voluntary_rate(ctx, "proactive_magnet"),
        yoy_rate = pick(&enrollment::YOY_RATES, vseg),
        ae_rate = lit(ae.default_deferral_rate),
        u_opt = u("opt_out"),
        up = lit(mr.up_participation),
        down = lit(mr.down_participation),
        eps = lit(match_response::MIN_CHANGE),
        esc_min = lit(escalation::MIN_INCREASE),
    )
}
