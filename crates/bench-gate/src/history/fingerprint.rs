//! The machine fingerprint a figure was measured on: CPU model and flags, cores, kernel,
//! compiler, the enabled features and the allocator settings. Instruction counts move with
//! the CPU (DuckDB, Polars and memchr pick SIMD paths at run time) and the compiler, wall
//! time with everything, so two figures are compared only under one fingerprint.

/// A field of this machine's `/proc/cpuinfo` (its first processor), or `unknown`.
pub fn cpuinfo_field(name: &str) -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.split(':').next().is_some_and(|k| k.trim() == name))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Where and with what a figure was measured.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Fingerprint {
    pub cpu_model: String,
    /// The CPU's flags as `/proc/cpuinfo` lists them.
    pub cpu_flags: String,
    pub cores: u32,
    pub kernel: String,
    pub rustc: String,
    /// The cargo features the benches were built with (`default` when none were chosen).
    pub features: String,
    /// The allocator and its settings.
    pub allocator: String,
}

/// The allocator of the benches: glibc with the settings of `workforce_sim::allocator`
/// (mmap threshold 32 MiB, no trim), plus any `GLIBC_TUNABLES` or `MALLOC_*` of the
/// environment, which change them.
const ALLOCATOR: &str = "glibc, mmap threshold 32 MiB, no trim";

impl Fingerprint {
    /// This machine, with `features` as the benches were built.
    pub fn current(features: &str) -> Fingerprint {
        let field = cpuinfo_field;
        let run = |cmd: &str, args: &[&str]| {
            crate::git::output(cmd, args).unwrap_or_else(|| "unknown".into())
        };
        let mut allocator = ALLOCATOR.to_string();
        let mut env: Vec<(String, String)> = std::env::vars()
            .filter(|(k, _)| k == "GLIBC_TUNABLES" || k.starts_with("MALLOC_"))
            .collect();
        env.sort();
        for (k, v) in env {
            allocator.push_str(&format!("; {k}={v}"));
        }
        let flags = field("flags");
        let mut flags: Vec<&str> = flags.split_whitespace().collect();
        flags.sort_unstable();
        Fingerprint {
            cpu_model: field("model name"),
            cpu_flags: flags.join(" "),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
            kernel: run("uname", &["-r"]),
            rustc: run("rustc", &["--version"]),
            features: if features.is_empty() {
                "default".into()
            } else {
                features.into()
            },
            allocator,
        }
    }

    /// A short stable id of the fingerprint (16 hex digits of FNV-1a over its fields).
    pub fn id(&self) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for field in self.fields() {
            for b in field.1.bytes().chain([0u8]) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        format!("{h:016x}")
    }

    /// The fields by name, in a fixed order.
    pub fn fields(&self) -> [(&'static str, String); 7] {
        [
            ("cpu_model", self.cpu_model.clone()),
            ("cpu_flags", self.cpu_flags.clone()),
            ("cores", self.cores.to_string()),
            ("kernel", self.kernel.clone()),
            ("rustc", self.rustc.clone()),
            ("features", self.features.clone()),
            ("allocator", self.allocator.clone()),
        ]
    }

    /// How `other` differs from this fingerprint, field by field, in words (for the CPU
    /// flags, which flags one has and the other lacks).
    pub fn differences(&self, other: &Fingerprint) -> Vec<String> {
        let mut out = Vec::new();
        for ((name, a), (_, b)) in self.fields().iter().zip(other.fields().iter()) {
            if a == b {
                continue;
            }
            if *name == "cpu_flags" {
                let sa: std::collections::BTreeSet<&str> = a.split_whitespace().collect();
                let sb: std::collections::BTreeSet<&str> = b.split_whitespace().collect();
                let only = |x: &std::collections::BTreeSet<&str>,
                            y: &std::collections::BTreeSet<&str>| {
                    x.difference(y)
                        .take(8)
                        .copied()
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                out.push(format!(
                    "cpu_flags: only here [{}], only there [{}]",
                    only(&sa, &sb),
                    only(&sb, &sa)
                ));
            } else {
                out.push(format!("{name}: {a} / {b}"));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine() -> Fingerprint {
        Fingerprint {
            cpu_model: "AMD EPYC".into(),
            cpu_flags: "avx2 fma sse4_2".into(),
            cores: 2,
            kernel: "6.1".into(),
            rustc: "rustc 1.95.0".into(),
            features: "default".into(),
            allocator: ALLOCATOR.into(),
        }
    }

    #[test]
    fn the_id_follows_every_field_and_the_differences_name_them() {
        let a = machine();
        let mut b = machine();
        assert_eq!(a.id(), b.id());
        assert!(a.differences(&b).is_empty());
        b.cpu_flags = "avx2 avx512f sse4_2".into();
        b.kernel = "6.8".into();
        assert_ne!(a.id(), b.id());
        let d = a.differences(&b);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(d[0], "cpu_flags: only here [fma], only there [avx512f]");
        assert_eq!(d[1], "kernel: 6.1 / 6.8");
    }

    #[test]
    fn this_machine_has_a_fingerprint() {
        let f = Fingerprint::current("");
        assert_eq!(f.features, "default");
        assert!(f.cores >= 1);
        assert_eq!(f.id().len(), 16);
    }
}
