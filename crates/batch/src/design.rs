//! The designs of a batch's runs: which seed each subsystem of a run draws with (the
//! ensemble's, or a design of the variance attribution, [`crate::attribution`]), and the
//! subsystems themselves. A leaf: it knows no other module of the crate.

/// A source of randomness in a run: one subsystem's seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(into = "&'static str")]
pub enum Subsystem {
    /// The synthetic census, generated with the run's seed (a census file has no randomness).
    Census,
    /// Experienced and new-hire terminations (`random_seed_termination`).
    Termination,
    /// New-hire age and part-time status (`random_seed_hiring`).
    Hiring,
    /// Promotions and their raises (`random_seed_promotion`).
    Promotion,
    /// Merit and COLA raise dates (`random_seed_raises`).
    Raises,
    /// Plan behaviour: eligibility override, enrollment, opt-out, deferral changes and match
    /// responses (`random_seed_plan`).
    Plan,
}

impl Subsystem {
    pub const ALL: [Subsystem; 6] = [
        Subsystem::Census,
        Subsystem::Termination,
        Subsystem::Hiring,
        Subsystem::Promotion,
        Subsystem::Raises,
        Subsystem::Plan,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Subsystem::Census => "census",
            Subsystem::Termination => "termination",
            Subsystem::Hiring => "hiring",
            Subsystem::Promotion => "promotion",
            Subsystem::Raises => "raises",
            Subsystem::Plan => "plan",
        }
    }

    pub fn parse(name: &str) -> Option<Subsystem> {
        Subsystem::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// Which seeds a run draws with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Design {
    /// A run of the ensemble: every subsystem with the run's seed (A).
    #[default]
    Ensemble,
    /// Every subsystem with the resampled seed (B).
    Resample,
    /// One subsystem with the resampled seed, the others with the run's seed (AB).
    Vary(Subsystem),
}

impl Design {
    /// `ensemble`, `resample`, or the varied subsystem's name: the `design` column.
    pub fn name(self) -> &'static str {
        match self {
            Design::Ensemble => "ensemble",
            Design::Resample => "resample",
            Design::Vary(s) => s.name(),
        }
    }

    pub fn parse(name: &str) -> Option<Design> {
        match name {
            "ensemble" => Some(Design::Ensemble),
            "resample" => Some(Design::Resample),
            _ => Subsystem::parse(name).map(Design::Vary),
        }
    }

    /// The seed `subsystem` draws with in this design at the point of seed `seed`.
    pub fn seed_of(self, subsystem: Subsystem, seed: u64) -> u64 {
        match self {
            Design::Ensemble => seed,
            Design::Resample => resample_seed(seed),
            Design::Vary(s) if s == subsystem => resample_seed(seed),
            Design::Vary(_) => seed,
        }
    }
}

/// The second seed of a point: a keyed hash of the first (`mix(k ^ fnv1a64("resample"))`),
/// so the B runs are as reproducible as the A runs and never a seed of the ensemble by
/// construction of the sequence.
pub fn resample_seed(seed: u64) -> u64 {
    use workforce_sim_core::rng::{fnv1a64, mix};
    mix(seed ^ fnv1a64(b"resample"))
}

impl From<Subsystem> for &'static str {
    fn from(s: Subsystem) -> Self {
        s.name()
    }
}
