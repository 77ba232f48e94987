//! Figures and labels for people: money with thousands separators and a dollar sign, rates
//! in percent and rate differences in points, counts with separators, chosen from the
//! metric's name; and column names in words (`employer_cost` -> `Employer cost`). A
//! program's `--json` keeps the raw numbers.

/// `1234567.891` -> `1,234,568` (rounded to `decimals`).
pub fn thousands(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    let text = format!("{:.*}", decimals, v.abs());
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w.to_string(), format!(".{f}")),
        None => (text, String::new()),
    };
    let mut out = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    let sign = if v < 0.0
        && (out.chars().any(|c| c != '0' && c != ',') || !frac.trim_matches(['.', '0']).is_empty())
    {
        "-"
    } else {
        ""
    };
    format!("{sign}{out}{frac}")
}

/// `$1,234,568`.
pub fn money(v: f64) -> String {
    let t = thousands(v, 0);
    match t.strip_prefix('-') {
        Some(rest) => format!("-${rest}"),
        None => format!("${t}"),
    }
}

/// `0.8534` -> `85.34%`.
pub fn percent(v: f64) -> String {
    if v.is_finite() {
        format!("{:.2}%", v * 100.0)
    } else {
        "-".into()
    }
}

/// A column or metric name in words: `employer_cost` -> `Employer cost`,
/// `participation_rate@2029` -> `Participation rate 2029`, `hce_count` -> `HCE count`.
pub fn label(name: &str) -> String {
    const WORDS: [(&str, &str); 12] = [
        ("hce", "HCE"),
        ("nhce", "NHCE"),
        ("adp", "ADP"),
        ("acp", "ACP"),
        ("irs", "IRS"),
        ("ytd", "YTD"),
        ("id", "ID"),
        ("pv", "PV"),
        ("p5", "P5"),
        ("p50", "P50"),
        ("p95", "P95"),
        ("sd", "SD"),
    ];
    let mut out = String::new();
    for (i, word) in name
        .split(['_', ' ', '@'])
        .filter(|w| !w.is_empty())
        .enumerate()
    {
        if i > 0 {
            out.push(' ');
        }
        if let Some((_, w)) = WORDS.iter().find(|(k, _)| *k == word) {
            out.push_str(w);
        } else if i == 0 {
            let mut c = word.chars();
            if let Some(f) = c.next() {
                out.extend(f.to_uppercase());
                out.push_str(c.as_str());
            }
        } else {
            out.push_str(word);
        }
    }
    out
}

/// What a metric's name says it measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Money,
    Rate,
    Count,
}

/// The kind of a metric from its name (`employer_cost pv@4%`, `participation_rate@2029`,
/// `payroll_growth`, `headcount`).
pub fn kind(name: &str) -> Kind {
    let base = name.split(['@', ' ']).next().unwrap_or(name);
    match base {
        "payroll" | "employee_deferrals" | "employer_match" | "employer_core" | "employer_cost"
        | "forfeitures" => Kind::Money,
        "participation_rate"
        | "average_deferral_rate"
        | "payroll_growth"
        | "headcount_growth"
        | "adp_acp_pass" => Kind::Rate,
        _ => Kind::Count,
    }
}

/// A value of the metric `name`, for people.
pub fn value(name: &str, v: f64) -> String {
    match kind(name) {
        Kind::Money => money(v),
        Kind::Rate => percent(v),
        Kind::Count => thousands(v, if v.fract() == 0.0 { 0 } else { 1 }),
    }
}

/// A difference of the metric `name`: money signed, rates in percentage points.
pub fn difference(name: &str, v: f64) -> String {
    match kind(name) {
        Kind::Money => {
            let m = money(v.abs());
            if v < 0.0 {
                format!("-{m}")
            } else {
                format!("+{m}")
            }
        }
        Kind::Rate => format!("{:+.2} pts", v * 100.0),
        Kind::Count => format!(
            "{}{}",
            if v < 0.0 { "-" } else { "+" },
            thousands(v.abs(), if v.fract() == 0.0 { 0 } else { 1 })
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_as_people_write_them() {
        assert_eq!(thousands(1234567.891, 0), "1,234,568");
        assert_eq!(thousands(999.0, 0), "999");
        assert_eq!(thousands(-1000.5, 1), "-1,000.5");
        assert_eq!(thousands(-0.01, 0), "0");
        assert_eq!(money(427908285.98), "$427,908,286");
        assert_eq!(money(-1500.0), "-$1,500");
        assert_eq!(percent(0.97), "97.00%");
        assert_eq!(value("employer_cost pv@4%", 2.5e7), "$25,000,000");
        assert_eq!(value("participation_rate@2029", 0.8534), "85.34%");
        assert_eq!(value("headcount", 5123.0), "5,123");
        assert_eq!(difference("participation_rate", 0.012), "+1.20 pts");
        assert_eq!(difference("employer_cost", -2500.0), "-$2,500");
        assert_eq!(label("employer_cost"), "Employer cost");
        assert_eq!(label("participation_rate@2029"), "Participation rate 2029");
        assert_eq!(label("hce_count"), "HCE count");
    }
}
