//! Exact decimal rates for the hiring solver (docs/rules.md 3.2).
//!
//! Rates are written as decimal literals (`0.12`) and the solver's products of counts and
//! rates must not suffer binary float error before `floor`, `round` or `ceil`: `7 × 0.12` is
//! 0.84, not 0.8399999. A rate read as `f64` is turned back into the decimal it was written as
//! (the shortest representation that round-trips, which is what Rust's `Display` prints) and
//! carried as an integer over a power of ten.

/// A decimal number `units / 10^scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    pub units: i128,
    pub scale: u32,
}

impl Decimal {
    /// The decimal that `value` was written as. `None` for NaN, infinities, or more than 18
    /// significant fractional digits.
    pub fn from_f64(value: f64) -> Option<Decimal> {
        if !value.is_finite() {
            return None;
        }
        // The shortest text that reads back as `value`, written on the stack: a decimal with
        // at most 18 integer and 18 fractional digits fits in 38 bytes and a sign; a longer
        // text is beyond those limits, so `None` as below.
        let mut buf = TextBuf::default();
        if std::fmt::Write::write_fmt(&mut buf, format_args!("{value}")).is_err() {
            return None;
        }
        let text = std::str::from_utf8(&buf.bytes[..buf.len]).ok()?;
        let (neg, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
        if frac_part.len() > 18 || int_part.len() > 18 {
            return None;
        }
        let scale = frac_part.len() as u32;
        let mut units: i128 = 0;
        for b in int_part.bytes().chain(frac_part.bytes()) {
            units = units * 10 + i128::from(b - b'0');
        }
        Some(Decimal {
            units: if neg { -units } else { units },
            scale,
        })
    }

    /// `10^scale`.
    pub fn denominator(self) -> i128 {
        10_i128.pow(self.scale)
    }

    /// Both values over the same denominator.
    pub fn aligned(a: Decimal, b: Decimal) -> (i128, i128, i128) {
        let scale = a.scale.max(b.scale);
        let ua = a.units * 10_i128.pow(scale - a.scale);
        let ub = b.units * 10_i128.pow(scale - b.scale);
        (ua, ub, 10_i128.pow(scale))
    }
}

/// A fixed buffer for [`Decimal::from_f64`]'s text (no allocation per conversion).
struct TextBuf {
    bytes: [u8; 40],
    len: usize,
}

impl Default for TextBuf {
    fn default() -> Self {
        TextBuf {
            bytes: [0; 40],
            len: 0,
        }
    }
}

impl std::fmt::Write for TextBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let slot = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// `floor(n / d)` for `d > 0`.
pub fn floor_div(n: i128, d: i128) -> i128 {
    n.div_euclid(d)
}

/// `ceil(n / d)` for `d > 0`.
pub fn ceil_div(n: i128, d: i128) -> i128 {
    -((-n).div_euclid(d))
}

/// `n / d` rounded half away from zero, for `d > 0`.
pub fn round_half_away_div(n: i128, d: i128) -> i128 {
    let q = (2 * n.abs() + d) / (2 * d);
    if n < 0 {
        -q
    } else {
        q
    }
}

/// `y.round() as i64` (half away from zero), computed without the libm call `f64::round`
/// makes on x86-64 without SSE4.1 (the encoders call it for every money value and rate of a
/// year). Exact: below 2^52 the fraction `y - trunc(y)` is representable, so comparing it
/// with ±0.5 rounds as `round` does; from 2^52 up every `f64` is an integer, and NaN and the
/// infinities take `round` itself.
#[inline]
pub fn round_to_i64(y: f64) -> i64 {
    if y.abs() < 4_503_599_627_370_496.0 {
        let t = y as i64;
        let f = y - t as f64;
        t + i64::from(f >= 0.5) - i64::from(f <= -0.5)
    } else {
        y.round() as i64
    }
}

/// Rounds money to cents, half away from zero (the `round2` of docs/rules.md).
#[inline]
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Money as integer cents (exact for any value produced by [`round2`]).
#[inline]
pub fn to_cents(x: f64) -> i64 {
    round_to_i64(x * 100.0)
}

/// Integer cents back to the `f64` that [`round2`] produced.
#[inline]
pub fn from_cents(c: i64) -> f64 {
    c as f64 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` uniforms in [0, 1) from an xorshift generator seeded with `seed` (test inputs).
    fn uniforms(seed: u64, n: usize) -> impl Iterator<Item = f64> {
        let mut x = seed;
        (0..n).map(move |_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        })
    }

    #[test]
    fn rounds_as_f64_round_does() {
        let mut values = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            2.5,
            -2.5,
            0.49999999999999994,
            -0.49999999999999994,
            -0.4,
            4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            -4_503_599_627_370_495.5,
            9.3e18,
            -9.3e18,
            1e300,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        // Money and rates as the encoders scale them, with the keyed RNG's spread of values.
        for u in uniforms(0x9E37_79B9_7F4A_7C15, 200_000) {
            values.push((u - 0.5) * 2e7);
            values.push(u * 100.0);
            values.push(((u * 1e6).floor() + 0.5) / 100.0 * 100.0);
        }
        for y in values {
            assert_eq!(round_to_i64(y), y.round() as i64, "{y:e}");
            assert_eq!(
                to_cents(y / 100.0),
                (y / 100.0 * 100.0).round() as i64,
                "{y:e}"
            );
        }
        assert_eq!(round_to_i64(f64::NAN), 0);
    }

    #[test]
    fn recovers_the_written_decimal() {
        assert_eq!(
            Decimal::from_f64(0.12),
            Some(Decimal {
                units: 12,
                scale: 2
            })
        );
        assert_eq!(
            Decimal::from_f64(-0.1),
            Some(Decimal {
                units: -1,
                scale: 1
            })
        );
        assert_eq!(Decimal::from_f64(3.0), Some(Decimal { units: 3, scale: 0 }));
        assert_eq!(Decimal::from_f64(f64::NAN), None);
    }

    /// The text read from the stack buffer is the one `format!` gives: equal results on the
    /// limits (18 integer and 18 fractional digits) and past them, and on a spread of rates.
    #[test]
    fn stack_text_reads_as_the_formatted_text() {
        fn by_string(value: f64) -> Option<Decimal> {
            let text = format!("{value}");
            let (neg, digits) = match text.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, text.as_str()),
            };
            let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
            if !value.is_finite() || frac_part.len() > 18 || int_part.len() > 18 {
                return None;
            }
            let units = int_part
                .bytes()
                .chain(frac_part.bytes())
                .fold(0i128, |u, b| u * 10 + i128::from(b - b'0'));
            Some(Decimal {
                units: if neg { -units } else { units },
                scale: frac_part.len() as u32,
            })
        }
        let mut values = vec![
            0.0,
            -0.0,
            1e17,
            1e18,
            1e19,
            -1e18,
            999_999_999_999_999_900.0,
            1e-18,
            1.5e-18,
            1e-19,
            -1.234_567_890_123_456_7e-10,
            123_456_789.123_456_78,
            5e-324,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
        ];
        for u in uniforms(0x2545_F491_4F6C_DD1D, 20_000) {
            values.extend([u, u * 1e6, (u * 1e4).round() / 1e4, -u * 1e-12]);
        }
        for v in values {
            assert_eq!(Decimal::from_f64(v), by_string(v), "{v:e}");
        }
    }

    #[test]
    fn integer_rounding_helpers() {
        assert_eq!(floor_div(-1, 2), -1);
        assert_eq!(ceil_div(2100, 70), 30);
        assert_eq!(ceil_div(2101, 70), 31);
        assert_eq!(round_half_away_div(5, 2), 3);
        assert_eq!(round_half_away_div(-5, 2), -3);
        assert_eq!(round_half_away_div(15347, 100), 153);
    }

    #[test]
    fn cents_round_trip_exactly() {
        for x in [62_833.33, 0.01, 58_100.0, 126_133.33, 300_312.5] {
            assert_eq!(from_cents(to_cents(round2(x))), round2(x));
        }
        assert_eq!(round2(60_000.0 * 1.047_222_222_222_222_2), 62_833.33);
    }
}
