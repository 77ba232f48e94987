//! The configuration a fit writes: the fitted keys over the base configuration's file (or
//! over the defaults), as TOML that `simulate --config`, a batch's `config` and the Python
//! package read as they are. Every fitted key is preceded by comments giving its exposure,
//! events, raw estimate with standard error, credibility and 95% interval; the file starts
//! with the inputs' digest and the years fitted. A list key (`merit_base`, the bands) is
//! written whole, its entries commented one by one.

use crate::fitted::Fit;
use crate::FitError;
use std::collections::BTreeMap;
use toml::{Table, Value};
use workforce_sim_core::config::{Config, ValidConfig};

/// A key path's parts: `a.b[2].c` → section `a`, key `b`, index 2, field `c`.
struct Path<'k> {
    section: Option<&'k str>,
    key: &'k str,
    index: Option<usize>,
    field: Option<&'k str>,
}

fn parse(path: &str) -> Option<Path<'_>> {
    let (head, field) = match path.find("].") {
        Some(i) => (&path[..=i], Some(&path[i + 2..])),
        None => (path, None),
    };
    let (name, index) = match head.find('[') {
        Some(i) => (
            &head[..i],
            Some(head.get(i + 1..head.len() - 1)?.parse().ok()?),
        ),
        None => (head, None),
    };
    let (section, key) = match name.split_once('.') {
        Some((s, k)) => (Some(s), k),
        None => (None, name),
    };
    Some(Path {
        section,
        key,
        index,
        field,
    })
}

fn comment(e: &crate::estimate::Estimate) -> String {
    format!(
        "# {}: {:.6} (95% {:.6} to {:.6}); raw {:.6} (se {:.6}) from {} events, exposure {}; credibility {:.3} toward {:.6}{}",
        e.name,
        e.fitted,
        e.low,
        e.high,
        e.raw,
        e.standard_error,
        e.events,
        e.exposure,
        e.credibility,
        e.configured,
        e.note.as_ref().map(|n| format!("; {n}")).unwrap_or_default()
    )
}

fn merge(base: &mut Table, overlay: &Table) {
    for (k, v) in overlay {
        match (base.get_mut(k), v) {
            (Some(Value::Table(b)), Value::Table(o)) => merge(b, o),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

impl Fit {
    /// The fitted keys as a configuration table over `config` (list keys whole).
    pub fn overlay(&self, config: &ValidConfig) -> Result<Table, FitError> {
        let full = Value::try_from(config.config())
            .map_err(|e| FitError::Output(format!("the configuration as TOML: {e}")))?;
        let Value::Table(mut full) = full else {
            return Err(FitError::Output("the configuration is not a table".into()));
        };
        let mut touched: Vec<(Option<String>, String)> = Vec::new();
        for e in &self.estimates {
            let Some(key) = &e.key else { continue };
            let Some(p) = parse(key) else { continue };
            let table = match p.section {
                Some(s) => match full.get_mut(s) {
                    Some(Value::Table(t)) => t,
                    _ => continue,
                },
                None => &mut full,
            };
            let Some(slot) = table.get_mut(p.key) else {
                continue;
            };
            let target = match (p.index, p.field) {
                (None, _) => Some(slot),
                (Some(i), None) => slot.as_array_mut().and_then(|a| a.get_mut(i)),
                (Some(i), Some(f)) => slot
                    .as_array_mut()
                    .and_then(|a| a.get_mut(i))
                    .and_then(|t| t.as_table_mut())
                    .and_then(|t| t.get_mut(f)),
            };
            if let Some(v) = target {
                *v = Value::Float(e.fitted);
            }
            let at = (p.section.map(str::to_string), p.key.to_string());
            if !touched.contains(&at) {
                touched.push(at);
            }
        }
        // The merit budget follows the fitted bases, so that the model's rescaling (1.6)
        // gives back exactly the fitted merit of each level.
        if let Some(Value::Table(comp)) = full.get_mut("compensation") {
            if touched.iter().any(|t| t.1 == "merit_base") {
                let bases: Vec<f64> = comp
                    .get("merit_base")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_float).collect())
                    .unwrap_or_default();
                if !bases.is_empty() {
                    let mean = bases.iter().sum::<f64>() / bases.len() as f64;
                    comp.insert("merit_budget".into(), Value::Float(mean));
                    touched.push((Some("compensation".into()), "merit_budget".into()));
                }
            }
        }
        // A run continues from the latest snapshot: its census is dated that year's end,
        // and the horizon (as long as the base configuration's) starts the year after.
        if let Some(&last) = self.years.last() {
            let span = config.simulation.end_year - config.simulation.start_year;
            let set = |full: &mut Table, section: &str, key: &str, v: Value| {
                if let Some(Value::Table(t)) = full.get_mut(section) {
                    t.insert(key.into(), v);
                }
            };
            set(
                &mut full,
                "census",
                "plan_year_start",
                Value::String(format!("{last}-01-01")),
            );
            set(
                &mut full,
                "census",
                "plan_year_end",
                Value::String(format!("{last}-12-31")),
            );
            set(
                &mut full,
                "simulation",
                "start_year",
                Value::Integer((last + 1).into()),
            );
            set(
                &mut full,
                "simulation",
                "end_year",
                Value::Integer((last + 1 + span).into()),
            );
            for (section, key) in [
                ("census", "plan_year_start"),
                ("census", "plan_year_end"),
                ("simulation", "start_year"),
                ("simulation", "end_year"),
            ] {
                touched.push((Some(section.into()), key.into()));
            }
        }
        // The rates were measured on years that were not start years: a run from the latest
        // snapshot counts its census year's hires as new hires (docs/rules.md 3.2).
        if let Some(Value::Table(w)) = full.get_mut("workforce") {
            w.insert("census_year_hires_are_new".into(), Value::Boolean(true));
            touched.push((Some("workforce".into()), "census_year_hires_are_new".into()));
        }
        let mut out = Table::new();
        for (section, key) in touched {
            let value = match &section {
                Some(s) => full.get(s).and_then(|t| t.get(&key)),
                None => full.get(&key),
            };
            let Some(value) = value.cloned() else {
                continue;
            };
            match section {
                Some(s) => {
                    let t = out.entry(s).or_insert_with(|| Value::Table(Table::new()));
                    if let Value::Table(t) = t {
                        t.insert(key, value);
                    }
                }
                None => {
                    out.insert(key, value);
                }
            }
        }
        Ok(out)
    }

    /// The overlay over `base` (the base configuration file's table, or none for the
    /// defaults) as commented TOML, checked to read back as a valid configuration.
    pub fn overlay_text(
        &self,
        config: &ValidConfig,
        base: Option<&Table>,
    ) -> Result<String, FitError> {
        let mut table = base.cloned().unwrap_or_default();
        merge(&mut table, &self.overlay(config)?);
        let body = toml::to_string(&table)
            .map_err(|e| FitError::Output(format!("the fitted configuration as TOML: {e}")))?;
        // Comments by (section, key); list entries by index.
        let mut notes: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for e in &self.estimates {
            let Some(key) = &e.key else { continue };
            let Some(p) = parse(key) else { continue };
            let line = match p.index {
                Some(i) => format!("# [{i}] {}", &comment(e)[2..]),
                None => comment(e),
            };
            notes
                .entry((p.section.unwrap_or("").to_string(), p.key.to_string()))
                .or_default()
                .push(line);
        }
        if let Some(last) = self.years.last() {
            notes
                .entry(("census".into(), "plan_year_start".into()))
                .or_default()
                .push(format!("# a run continues from your latest snapshot: --census it (the {last} file), dated {last}-12-31"));
            notes
                .entry(("simulation".into(), "start_year".into()))
                .or_default()
                .push(format!(
                    "# the horizon starts the year after the latest snapshot ({last})"
                ));
        }
        notes
            .entry(("workforce".into(), "census_year_hires_are_new".into()))
            .or_default()
            .push("# the rates were measured on continued years: a run from your latest snapshot counts its census year's hires as new hires (docs/rules.md 3.2)".into());
        notes
            .entry(("compensation".into(), "merit_budget".into()))
            .or_default()
            .push("# the mean of the fitted merit_base: the model's rescaling (docs/rules.md 1.6) keeps each level's fitted merit".into());
        let mut text = format!(
            "# Fitted by workforce-sim {} from the snapshots of {} (inputs digest {}),\n# credibility k = {}, minimum exposure {}. Each fitted key is preceded by its figures:\n# fitted value (95% interval); raw estimate (standard error), events, exposure; credibility Z = e/(e+k)\n# and the configured value it was shrunk toward.\n\n",
            env!("CARGO_PKG_VERSION"),
            self.years.iter().map(i32::to_string).collect::<Vec<_>>().join(", "),
            self.inputs_digest,
            self.options.credibility.k,
            self.options.credibility.min_exposure
        );
        let mut section = String::new();
        let mut done: Vec<(String, String)> = Vec::new();
        for line in body.lines() {
            let trimmed = line.trim();
            if let Some(name) = trimmed
                .strip_prefix("[[")
                .and_then(|l| l.strip_suffix("]]"))
            {
                let at = (String::new(), name.to_string());
                if !done.contains(&at) {
                    if let Some(n) = notes.get(&at) {
                        text.extend(n.iter().map(|l| format!("{l}\n")));
                    }
                    done.push(at);
                }
                section = name.to_string();
            } else if let Some(name) = trimmed.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = name.to_string();
            } else if let Some((key, _)) = trimmed.split_once(" = ") {
                let at = (section.clone(), key.trim().to_string());
                if !done.contains(&at) {
                    if let Some(n) = notes.get(&at) {
                        text.extend(n.iter().map(|l| format!("{l}\n")));
                    }
                    done.push(at);
                }
            }
            text.push_str(line);
            text.push('\n');
        }
        Config::from_toml_str(&text)
            .and_then(Config::validate)
            .map_err(|e| {
                FitError::Output(format!("the fitted configuration does not validate: {e}"))
            })?;
        Ok(text)
    }
}
