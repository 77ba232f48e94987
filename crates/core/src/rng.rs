//! The keyed random draws of docs/rules.md 2.1 and the draw catalogue of 2.3.
//!
//! Every stochastic decision is a pure function of `(seed, employee_id, year, event_type,
//! salt)`: there is no sequential generator state anywhere in the library, so row order,
//! batching, thread count and engine cannot change a result. A draw costs one SplitMix64
//! finaliser in the hot loop: the employee part `mix(mix(seed) ^ id_key)` is computed once per
//! employee and seed ([`Rng::employee`]) and the year part `mix((year << 32) ^ code)` once per
//! year and draw ([`Rng::year_code`]).

/// The SplitMix64 finaliser.
#[inline(always)]
pub const fn mix(mut z: u64) -> u64 {
    z ^= z >> 30;
    z = z.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z ^= z >> 27;
    z = z.wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a 64-bit over bytes.
#[inline]
pub const fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        h ^= bytes[i] as u64;
        h = h.wrapping_mul(0x0100_0000_01B3);
        i += 1;
    }
    h
}

/// The `id_key` of an employee: FNV-1a of the UTF-8 bytes of `employee_id`.
#[inline]
pub fn id_key(employee_id: &str) -> u64 {
    fnv1a64(employee_id.as_bytes())
}

/// Uniform in [0, 1) from a hash: `(h >> 11) / 2^53`, exact in `f64`.
#[inline(always)]
pub fn unit(h: u64) -> f64 {
    (h >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
}

/// A draw of the catalogue (docs/rules.md 2.3): the constant `code` of `event_type[|salt]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Draw {
    pub event_type: &'static str,
    pub salt: &'static str,
    pub code: u64,
}

impl Draw {
    /// The draw's name as hashed into its code: `event_type|salt`, or `event_type` alone.
    pub fn name(&self) -> String {
        if self.salt.is_empty() {
            self.event_type.to_string()
        } else {
            format!("{}|{}", self.event_type, self.salt)
        }
    }
}

macro_rules! draws {
    ($($name:ident = $et:literal, $salt:literal;)*) => {
        /// The normative draw catalogue (docs/rules.md 2.3).
        pub mod draw {
            use super::{fnv1a64, Draw};
            $(pub const $name: Draw = Draw {
                event_type: $et,
                salt: $salt,
                code: fnv1a64(if $salt.is_empty() { $et.as_bytes() } else { concat!($et, "|", $salt).as_bytes() }),
            };)*
            /// Every draw, for documentation and tests.
            pub const ALL: &[Draw] = &[$($name),*];
        }
    };
}

draws! {
    TERMINATION_SELECT = "termination", "select";
    TERMINATION_DATE_MIN = "termination", "date_min";
    TERMINATION_DATE = "termination", "date";
    HIRE_AGE = "hire", "age";
    HIRE_PART_TIME = "hire", "part_time";
    NEW_HIRE_TERMINATION_SELECT = "new_hire_termination", "select";
    NEW_HIRE_TERMINATION_DATE_MIN = "new_hire_termination", "date_min";
    NEW_HIRE_TERMINATION_DATE = "new_hire_termination", "date";
    PROMOTION = "promotion", "";
    PROMOTION_RAISE = "promotion", "raise";
    PROMOTION_RAISE2 = "promotion", "raise2";
    ELIGIBILITY_NEW_HIRE_OVERRIDE = "eligibility", "new_hire_override";
    ENROLLMENT_VOLUNTARY = "enrollment", "voluntary";
    ENROLLMENT_VOLUNTARY_MAGNET = "enrollment", "voluntary_magnet";
    ENROLLMENT_PROACTIVE = "enrollment", "proactive";
    ENROLLMENT_PROACTIVE_TIMING = "enrollment", "proactive_timing";
    ENROLLMENT_PROACTIVE_MAGNET = "enrollment", "proactive_magnet";
    ENROLLMENT_YOY = "enrollment", "yoy";
    ENROLLMENT_CHANGE_OPT_OUT = "enrollment_change", "opt_out";
    MATCH_RESPONSE_UP = "deferral_match_response", "up";
    MATCH_RESPONSE_DOWN = "deferral_match_response", "down";
    RAISE_MONTH = "raise", "month";
    RAISE_DAY = "raise", "day";
    // Synthetic census generator (docs/rules.md 1.3); keyed by the generated employee id and the
    // base year, so a census of N employees is a prefix of the census of N + 1.
    CENSUS_LEVEL = "census", "level";
    CENSUS_COMPENSATION = "census", "compensation";
    CENSUS_AGE = "census", "age";
    CENSUS_AGE2 = "census", "age2";
    CENSUS_TENURE = "census", "tenure";
    CENSUS_HIRE_DAY = "census", "hire_day";
    CENSUS_BIRTH_DAY = "census", "birth_day";
    CENSUS_TERMINATED = "census", "terminated";
    CENSUS_TERMINATION_DAY = "census", "termination_day";
    CENSUS_PARTICIPATES = "census", "participates";
    CENSUS_DEFERRAL_RATE = "census", "deferral_rate";
    CENSUS_JITTER = "census", "jitter";
}

/// A seeded keyed generator: the only source of randomness in the library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rng {
    mixed_seed: u64,
}

impl Rng {
    pub const fn new(seed: u64) -> Rng {
        Rng {
            mixed_seed: mix(seed),
        }
    }

    /// The per-employee half of a draw: `mix(mix(seed) ^ id_key)`.
    #[inline(always)]
    pub const fn employee(&self, id_key: u64) -> u64 {
        mix(self.mixed_seed ^ id_key)
    }

    /// The per-year half of a draw: `mix((year << 32) ^ code)`. Year 0 for draws that must not
    /// change from year to year.
    #[inline(always)]
    pub const fn year_code(year: i32, draw: Draw) -> u64 {
        mix(((year as u32 as u64) << 32) ^ draw.code)
    }

    /// `h` from precomputed halves.
    #[inline(always)]
    pub const fn combine(employee: u64, year_code: u64) -> u64 {
        mix(employee ^ year_code)
    }

    /// `h` for one key, computed from scratch (tests, edges; the hot loop uses the halves).
    pub fn hash(&self, employee_id: &str, year: i32, draw: Draw) -> u64 {
        Self::combine(
            self.employee(id_key(employee_id)),
            Self::year_code(year, draw),
        )
    }

    /// `u` for one key, computed from scratch.
    pub fn uniform(&self, employee_id: &str, year: i32, draw: Draw) -> f64 {
        unit(self.hash(employee_id, year, draw))
    }
}

/// Categorical draw: walk `weights` in order with cumulative weights normalised by the total;
/// the first index whose cumulative weight is `>= u`. `None` when there are no positive weights.
pub fn categorical(weights: &[f64], u: f64) -> Option<usize> {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 || weights.is_empty() {
        return None;
    }
    let mut acc = 0.0;
    for (i, w) in weights.iter().enumerate() {
        acc += w;
        if acc / total >= u {
            return Some(i);
        }
    }
    Some(weights.len() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u64, id: &str, year: i32, draw: Draw) -> (u64, f64) {
        let rng = Rng::new(seed);
        let h = rng.hash(id, year, draw);
        (h, unit(h))
    }

    #[test]
    fn draw_names_hash_to_their_codes() {
        for d in draw::ALL {
            assert_eq!(fnv1a64(d.name().as_bytes()), d.code, "{}", d.name());
        }
        assert_eq!(draw::PROMOTION.name(), "promotion");
        assert_eq!(draw::TERMINATION_SELECT.name(), "termination|select");
    }

    #[test]
    fn intermediate_values_of_the_spec() {
        assert_eq!(fnv1a64(b"EMP_000001"), 0x397e_cbaa_b334_8651);
        assert_eq!(draw::TERMINATION_SELECT.code, 0x06cb_362d_6e16_73ff);
        assert_eq!(mix(42), 0xa759_ea27_d472_7622);
    }

    #[test]
    fn test_vectors_of_domain_2_1() {
        let cases: [(u64, &str, i32, Draw, u64, f64); 7] = [
            (
                42,
                "EMP_000001",
                2025,
                draw::TERMINATION_SELECT,
                0x0862_673a_7c00_2009,
                0.032751514223491984,
            ),
            (
                42,
                "EMP_000001",
                2025,
                draw::PROMOTION,
                0x115d_32d7_ce93_02a0,
                0.06782834786151781,
            ),
            (
                42,
                "EMP_000001",
                2026,
                draw::TERMINATION_SELECT,
                0xfdc3_bf94_731b_bed7,
                0.9912681329179652,
            ),
            (
                7,
                "EMP_000001",
                2025,
                draw::TERMINATION_SELECT,
                0x40a6_26b5_9568_33f6,
                0.2525352662391078,
            ),
            (
                42,
                "NH_2025_000001",
                2025,
                draw::HIRE_AGE,
                0x6599_911c_c9cb_4314,
                0.3968744941028435,
            ),
            (
                42,
                "EMP_000001",
                2025,
                draw::ENROLLMENT_VOLUNTARY,
                0xfe86_df17_c220_b3d0,
                0.9942454751018228,
            ),
            (
                42,
                "EMP_000001",
                0,
                draw::TERMINATION_DATE_MIN,
                0x05e5_a779_ddc5_1f67,
                0.02303549504519642,
            ),
        ];
        for (seed, id, year, d, h, u) in cases {
            assert_eq!(
                key(seed, id, year, d),
                (h, u),
                "{seed}|{id}|{year}|{}|{}",
                d.event_type,
                d.salt
            );
        }
    }

    #[test]
    fn halves_compose_to_the_full_key() {
        let rng = Rng::new(42);
        let e = rng.employee(id_key("EMP_000001"));
        let y = Rng::year_code(2025, draw::PROMOTION);
        assert_eq!(
            Rng::combine(e, y),
            rng.hash("EMP_000001", 2025, draw::PROMOTION)
        );
    }

    #[test]
    fn catalogue_codes_are_distinct() {
        let mut codes: Vec<u64> = draw::ALL.iter().map(|d| d.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), draw::ALL.len());
    }

    #[test]
    fn categorical_walks_cumulative_weights() {
        let w = [0.05, 0.15, 0.20, 0.25, 0.15, 0.10, 0.08, 0.02];
        assert_eq!(categorical(&w, 0.0), Some(0));
        assert_eq!(categorical(&w, 0.05), Some(0));
        assert_eq!(categorical(&w, 0.3968744941028435), Some(2));
        assert_eq!(categorical(&w, 0.999), Some(7));
        assert_eq!(categorical(&[], 0.5), None);
    }
}
