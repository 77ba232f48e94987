//! Enrollment behaviour (docs/rules.md 3.10): the demographic segments, the voluntary /
//! proactive / year-over-year probabilities and rates, the match magnet, and the
//! auto-enrollment opt-out probability. The segment boundaries differ by pathway on purpose
//! (they do in the specification).

/// Age segment index 0..4 (young, mid, mature, senior).
/// Census rate normalisation (1.2): a rate above 1 is a percent; clamp to [0, 0.75].
pub fn normalise_deferral_rate(rate: f64) -> f64 {
    let r = if rate > 1.0 { rate / 100.0 } else { rate };
    r.clamp(0.0, 0.75)
}

pub type Segment = usize;

/// Auto-enrollment and opt-out age segments: the inclusive upper age of segments 0-2
/// (< 30, 30-44, 45-59); 60 and over is segment 3.
pub const AE_AGE_LIMITS: [u16; 3] = [29, 44, 59];
/// Voluntary, proactive and year-over-year age segments: the inclusive upper age of segments
/// 0-2 (< 31, 31-45, 46-55); 56 and over is segment 3.
pub const VOLUNTARY_AGE_LIMITS: [u16; 3] = [30, 45, 55];
/// Income segments on current pay: the exclusive upper pay of segments 0-2 (< 50k, < 100k,
/// < 200k); 200k and over is segment 3.
pub const INCOME_LIMITS: [f64; 3] = [50_000.0, 100_000.0, 200_000.0];
/// Year-over-year tenure segments: the inclusive upper tenure of segments 0-1 (0-1, 2-4);
/// 5 and over is segment 2.
pub const YOY_TENURE_LIMITS: [u16; 2] = [1, 4];
/// The lowest voluntary deferral rate (3.10.3).
pub const MIN_DEFERRAL_RATE: f64 = 0.01;

fn age_segment(age: u16, limits: &[u16; 3]) -> Segment {
    if age <= limits[0] {
        0
    } else if age <= limits[1] {
        1
    } else if age <= limits[2] {
        2
    } else {
        3
    }
}

/// Auto-enrollment and opt-out age segment ([`AE_AGE_LIMITS`]).
pub fn ae_age_segment(age: u16) -> Segment {
    age_segment(age, &AE_AGE_LIMITS)
}

/// Voluntary, proactive and year-over-year age segment ([`VOLUNTARY_AGE_LIMITS`]).
pub fn voluntary_age_segment(age: u16) -> Segment {
    age_segment(age, &VOLUNTARY_AGE_LIMITS)
}

/// Income segment on current pay ([`INCOME_LIMITS`]).
pub fn income_segment(comp: f64) -> Segment {
    if comp < INCOME_LIMITS[0] {
        0
    } else if comp < INCOME_LIMITS[1] {
        1
    } else if comp < INCOME_LIMITS[2] {
        2
    } else {
        3
    }
}

/// Year-over-year tenure segment ([`YOY_TENURE_LIMITS`]).
pub fn yoy_tenure_segment(tenure: u16) -> Segment {
    if tenure <= YOY_TENURE_LIMITS[0] {
        0
    } else if tenure <= YOY_TENURE_LIMITS[1] {
        1
    } else {
        2
    }
}

/// Job-level segment multiplier: L1-2 0.90, L3-4 1.00, L5-6 1.10, L7+ 1.20.
pub fn level_multiplier(level: u8) -> f64 {
    match level {
        0..=2 => 0.90,
        3..=4 => 1.00,
        5..=6 => 1.10,
        _ => 1.20,
    }
}

/// Voluntary (and proactive) enrollment probability:
/// `base_age × income_mult × level_mult × dial`.
pub fn voluntary_probability(age: u16, comp: f64, level: u8, dial: f64) -> f64 {
    VOLUNTARY_AGE_BASE[voluntary_age_segment(age)]
        * VOLUNTARY_INCOME[income_segment(comp)]
        * level_multiplier(level)
        * dial
}

/// Voluntary base probability by voluntary age segment.
pub const VOLUNTARY_AGE_BASE: [f64; 4] = [0.30, 0.55, 0.70, 0.80];
/// Voluntary income multiplier by income segment.
pub const VOLUNTARY_INCOME: [f64; 4] = [0.70, 1.00, 1.15, 1.25];
/// The default deferral rate matrix (1.5): voluntary age segment × income segment.
pub const SEGMENT_RATES: [[f64; 4]; 4] = [
    [0.03, 0.03, 0.04, 0.06],
    [0.04, 0.06, 0.08, 0.10],
    [0.05, 0.08, 0.10, 0.12],
    [0.06, 0.10, 0.12, 0.15],
];
/// Year-over-year base probability by voluntary age segment.
pub const YOY_AGE_BASE: [f64; 4] = [0.03, 0.05, 0.07, 0.08];
/// Year-over-year income multiplier by income segment.
pub const YOY_INCOME: [f64; 4] = [0.8, 1.0, 1.2, 1.3];
/// Year-over-year tenure multiplier: tenure 0-1, 2-4, 5+.
pub const YOY_TENURE: [f64; 3] = [0.7, 1.0, 1.1];
/// Year-over-year conversion rate by voluntary age segment.
pub const YOY_RATES: [f64; 4] = [0.03, 0.04, 0.05, 0.06];
/// Opt-out age factor (× the target rate) by auto-enrollment age segment.
pub const OPT_OUT_AGE: [f64; 4] = [1.8, 1.1, 0.7, 0.4];
/// Opt-out income ratio by income segment.
pub const OPT_OUT_INCOME: [f64; 4] = [1.3, 1.0, 0.8, 0.5];

/// The default deferral rate matrix (1.5) by voluntary age segment × income segment.
pub fn segment_rate(age: u16, comp: f64) -> f64 {
    SEGMENT_RATES[voluntary_age_segment(age)][income_segment(comp)]
}

/// The voluntary rate after the match magnet and the clamp: a rate below the ceiling snaps
/// to it when the magnet draw `u_magnet < snap`; then clamp to `[0.01, max_rate]`.
pub fn voluntary_rate(
    segment_rate: f64,
    ceiling: f64,
    magnet: Option<(f64, f64)>,
    max_rate: f64,
) -> f64 {
    let mut r = segment_rate;
    if let Some((u, snap)) = magnet {
        if ceiling > 0.0 && r < ceiling && u < snap {
            r = ceiling;
        }
    }
    r.clamp(MIN_DEFERRAL_RATE, max_rate.max(MIN_DEFERRAL_RATE))
}

/// Year-over-year conversion probability: `base × income × tenure × dial`.
pub fn yoy_probability(age: u16, comp: f64, tenure: u16, dial: f64) -> f64 {
    let t = YOY_TENURE[yoy_tenure_segment(tenure)];
    YOY_AGE_BASE[voluntary_age_segment(age)] * YOY_INCOME[income_segment(comp)] * t * dial
}

/// Year-over-year conversion rate by age segment (no magnet).
pub fn yoy_rate(age: u16) -> f64 {
    YOY_RATES[voluntary_age_segment(age)]
}

/// Auto-enrollment opt-out probability from the target rate T:
/// age rate (1.8T, 1.1T, 0.7T, 0.4T) × income ratio (1.3, 1.0, 0.8, 0.5).
pub fn opt_out_probability(age: u16, comp: f64, target: f64) -> f64 {
    OPT_OUT_AGE[ae_age_segment(age)] * target * OPT_OUT_INCOME[income_segment(comp)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn g13_enrollment_behaviour() {
        assert!(close(opt_out_probability(28, 45_000.0, 0.09), 0.2106));
        assert!(close(opt_out_probability(50, 150_000.0, 0.09), 0.0504));
        assert!(close(voluntary_probability(35, 80_000.0, 2, 1.0), 0.495));
        // 6% is above the 5% ceiling: no snap.
        assert_eq!(
            voluntary_rate(segment_rate(35, 80_000.0), 0.05, Some((0.0, 0.45)), 0.10),
            0.06
        );
        assert_eq!(segment_rate(25, 45_000.0), 0.03);
        assert_eq!(voluntary_rate(0.03, 0.05, Some((0.44, 0.45)), 0.10), 0.05);
        assert_eq!(voluntary_rate(0.03, 0.05, Some((0.45, 0.45)), 0.10), 0.03);
        assert_eq!(voluntary_rate(0.15, 0.05, None, 0.10), 0.10);
    }

    #[test]
    fn segment_boundaries_differ_by_pathway() {
        assert_eq!(ae_age_segment(30), 1);
        assert_eq!(voluntary_age_segment(30), 0);
        assert_eq!(voluntary_age_segment(31), 1);
        assert_eq!(income_segment(50_000.0), 1);
        assert_eq!(income_segment(199_999.99), 2);
    }
}
