//! Imports flow one way. Every `crate::<module>` path in the core's sources (outside test
//! code and comments) must name a module of a lower layer than its own, or its own: the
//! layering of `src/lib.rs`. A new import against the flow, and so any module cycle, fails
//! here with the file and the offending path.

#[path = "../../../tests/source_code.rs"]
mod source_code;

use source_code::code;
use std::collections::BTreeMap;
use std::path::Path;

/// Layers from the bottom; a module may import its own layer's modules only when the pair is
/// listed in `SAME_LAYER` (none today).
const LAYERS: &[&[&str]] = &[
    &["date", "decimal", "rng", "error", "place"],
    &["model"],
    &["config"],
    &["rules"],
    &["events"],
    &["payload"],
    &["state"],
    &["plan_ledger", "cohort_cost", "nondiscrimination"],
    &["balances"],
    &["census"],
    &["engine"],
    &["validation", "footprint"],
    &["report"],
    &["year", "digest"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// `(file, importing top-level module, imported top-level module)` for every `crate::` path.
fn imports(src_dir: &Path) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![src_dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src_dir).unwrap();
            let first = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy();
            let module = first.trim_end_matches(".rs").to_string();
            if module == "lib" {
                continue;
            }
            let text = code(&std::fs::read_to_string(&path).unwrap());
            let mut rest = text.as_str();
            while let Some(i) = rest.find("crate::") {
                rest = &rest[i + "crate::".len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !name.is_empty() && name != module {
                    out.push((rel.display().to_string(), module.clone(), name));
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn imports_flow_down_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = imports(&src);
    assert!(
        found.len() > 50,
        "the scan found only {} imports: is it reading the sources?",
        found.len()
    );
    let mut against = Vec::new();
    for (file, from, to) in &found {
        let (Some(a), Some(b)) = (layer_of(from), layer_of(to)) else {
            against.push(format!(
                "{file}: {from} -> {to} (module missing from LAYERS)"
            ));
            continue;
        };
        if b >= a {
            against.push(format!(
                "{file}: {from} (layer {a}) imports crate::{to} (layer {b})"
            ));
        }
    }
    against.dedup();
    assert!(
        against.is_empty(),
        "imports against the flow:\n  {}",
        against.join("\n  ")
    );
}

#[test]
fn every_module_is_in_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules: BTreeMap<String, ()> = BTreeMap::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        let module = name.trim_end_matches(".rs").to_string();
        if module != "lib" {
            modules.insert(module, ());
        }
    }
    let missing: Vec<&String> = modules.keys().filter(|m| layer_of(m).is_none()).collect();
    assert!(missing.is_empty(), "modules without a layer: {missing:?}");
}
