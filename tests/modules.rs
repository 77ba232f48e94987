//! No module circle in any crate of the workspace. Every `crate::`, `super::` and `self::`
//! path in a crate's sources (outside comments and `#[cfg(test)]` items) is an edge between
//! two modules; an edge between a module and its own ancestor or descendant is the module
//! tree itself, and any other joins the two siblings under their common parent. A circle among
//! siblings, at any depth, fails here with the modules on it and a file of each edge. (The
//! core also checks its explicit layer order: `crates/core/tests/layers.rs`.)

use crate::source_code::code;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path from the crate root (`["engine", "native"]`); the root is `[]`.
type Module = Vec<String>;

/// The module a source file is (`lib.rs`/`main.rs` the root, `a/mod.rs` and `a.rs` both `a`).
fn module_of(rel: &Path) -> Module {
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if !(stem == "mod" || (parts.is_empty() && (stem == "lib" || stem == "main"))) {
        parts.push(stem.to_string());
    }
    parts
}

/// Expands the path text after a `crate::` (or `super::`) into the paths it names:
/// `a::b::C`, or a group `{a::X, b::{c, d}}`, each as its segments.
fn expand(text: &str) -> Vec<Vec<String>> {
    let text = text.trim_start();
    if let Some(inner) = text.strip_prefix('{') {
        let Some(body) = balanced(inner) else {
            return Vec::new();
        };
        return split_top(body)
            .iter()
            .flat_map(|item| expand(item))
            .collect();
    }
    let mut segments = Vec::new();
    let mut rest = text;
    loop {
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            break;
        }
        rest = &rest[name.len()..];
        segments.push(name);
        match rest.strip_prefix("::") {
            Some(r) if r.starts_with('{') => {
                return expand(r)
                    .into_iter()
                    .map(|tail| segments.iter().cloned().chain(tail).collect())
                    .collect();
            }
            Some(r) => rest = r,
            None => break,
        }
    }
    vec![segments]
}

/// The text inside a brace whose opening brace was just consumed.
fn balanced(text: &str) -> Option<&str> {
    let mut depth = 1usize;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&text[..i]);
                }
            }
            _ => {}
        }
    }
    None
}

/// `text` split at the commas outside braces.
fn split_top(text: &str) -> Vec<&str> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0usize, 0);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

/// Every module a file's code refers to, resolved against the crate's modules (the longest
/// prefix of the path that is a module).
fn references(code: &str, here: &Module, modules: &BTreeSet<Module>) -> Vec<Module> {
    let mut out = Vec::new();
    for (anchor, base) in [
        ("crate::", Vec::new()),
        ("super::", here[..here.len().saturating_sub(1)].to_vec()),
        ("self::", here.clone()),
    ] {
        let mut rest = code;
        while let Some(i) = rest.find(anchor) {
            let before = rest[..i].chars().last();
            rest = &rest[i + anchor.len()..];
            // `workforce_sim_core::x` is another crate, `super::super::` is handled as one
            // step (rare, and never a circle in this workspace).
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            for path in expand(rest) {
                let full: Module = base.iter().cloned().chain(path).collect();
                if let Some(m) = (0..=full.len())
                    .rev()
                    .map(|n| full[..n].to_vec())
                    .find(|m| modules.contains(m))
                {
                    out.push(m);
                }
            }
        }
    }
    out
}

/// The sibling edge of a reference from `from` to `to`: none when one is the other's
/// ancestor, else the two children of their common parent that lead to them.
fn sibling_edge(from: &Module, to: &Module) -> Option<(Module, Module)> {
    let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
    if common == from.len() || common == to.len() {
        return None;
    }
    Some((from[..=common].to_vec(), to[..=common].to_vec()))
}

/// Every `(from, to) -> a file with that edge` of the crate whose sources are in `src`.
fn edges(src: &Path) -> BTreeMap<(Module, Module), String> {
    let mut files = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let modules: BTreeSet<Module> = files
        .iter()
        .map(|f| module_of(f.strip_prefix(src).unwrap()))
        .collect();
    let mut out = BTreeMap::new();
    for file in &files {
        let rel = file.strip_prefix(src).unwrap();
        let here = module_of(rel);
        let text = code(&std::fs::read_to_string(file).unwrap());
        for to in references(&text, &here, &modules) {
            if let Some(edge) = sibling_edge(&here, &to) {
                out.entry(edge).or_insert_with(|| rel.display().to_string());
            }
        }
    }
    out
}

/// The first circle of the graph, as its modules in order, if there is one.
fn circle(edges: &BTreeMap<(Module, Module), String>) -> Option<Vec<Module>> {
    let mut next: BTreeMap<&Module, Vec<&Module>> = BTreeMap::new();
    for (a, b) in edges.keys() {
        next.entry(a).or_default().push(b);
    }
    // Depth-first search with the path on a stack: 0 unseen, 1 on the path, 2 done.
    fn visit<'a>(
        m: &'a Module,
        next: &BTreeMap<&'a Module, Vec<&'a Module>>,
        state: &mut BTreeMap<&'a Module, u8>,
        path: &mut Vec<&'a Module>,
    ) -> Option<Vec<Module>> {
        state.insert(m, 1);
        path.push(m);
        for &n in next.get(m).into_iter().flatten() {
            match state.get(n).copied().unwrap_or(0) {
                1 => {
                    let start = path.iter().position(|p| *p == n).unwrap_or(0);
                    return Some(path[start..].iter().map(|p| (*p).clone()).collect());
                }
                0 => {
                    if let Some(c) = visit(n, next, state, path) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        path.pop();
        state.insert(m, 2);
        None
    }
    let mut state = BTreeMap::new();
    for &m in next.keys() {
        if state.get(m).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(m, &next, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

/// The source directories of every crate of the workspace.
fn crates() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![root.join("src"), root.join("python").join("src")];
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        let src = entry.unwrap().path().join("src");
        if src.is_dir() {
            dirs.push(src);
        }
    }
    dirs.sort();
    dirs
}

fn describe(circle: &[Module], edges: &BTreeMap<(Module, Module), String>) -> String {
    let name = |m: &Module| m.join("::");
    (0..circle.len())
        .map(|i| {
            let (a, b) = (&circle[i], &circle[(i + 1) % circle.len()]);
            let file = edges
                .get(&(a.clone(), b.clone()))
                .map_or("?", |f| f.as_str());
            format!("{} -> {} ({file})", name(a), name(b))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[test]
fn no_crate_has_a_module_circle() {
    let mut found = Vec::new();
    let mut total = 0;
    for src in crates() {
        let e = edges(&src);
        total += e.len();
        if let Some(c) = circle(&e) {
            found.push(format!("{}: {}", src.display(), describe(&c, &e)));
        }
    }
    assert!(
        total > 100,
        "the scan found only {total} edges: is it reading the sources?"
    );
    assert!(
        found.is_empty(),
        "module circles:\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn the_check_finds_a_circle_through_a_grouped_import_and_a_nested_one() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("engine")).unwrap();
    std::fs::write(
        src.join("lib.rs"),
        "pub mod a;\npub mod b;\npub mod engine;\n",
    )
    .unwrap();
    std::fs::write(src.join("a.rs"), "use crate::{b::Thing, engine};\n").unwrap();
    std::fs::write(
        src.join("b.rs"),
        "// use crate::a; (a comment)\npub struct Thing;\n",
    )
    .unwrap();
    std::fs::write(
        src.join("engine/mod.rs"),
        "pub mod x;\npub mod y;\npub use x::X;\n",
    )
    .unwrap();
    std::fs::write(src.join("engine/x.rs"), "use super::y::Y;\npub struct X;\n").unwrap();
    std::fs::write(
        src.join("engine/y.rs"),
        "use crate::engine::X;\npub struct Y;\n",
    )
    .unwrap();
    let e = edges(src);
    assert!(
        e.contains_key(&(vec!["a".into()], vec!["b".into()])),
        "{e:?}"
    );
    assert!(
        !e.contains_key(&(vec!["b".into()], vec!["a".into()])),
        "comments are not code"
    );
    // engine::y -> engine (its parent, re-exporting x) is the tree; y -> x is not there,
    // so x <-> y is no circle yet.
    assert_eq!(circle(&e), None);
    std::fs::write(
        src.join("engine/y.rs"),
        "use crate::engine::x::X;\npub struct Y;\n",
    )
    .unwrap();
    let e = edges(src);
    let c = circle(&e).expect("x -> y -> x");
    assert_eq!(c.len(), 2, "{}", describe(&c, &e));
    assert!(c.iter().all(|m| m[0] == "engine"), "{}", describe(&c, &e));
    std::fs::write(src.join("b.rs"), "use crate::a;\n").unwrap();
    std::fs::write(src.join("engine/y.rs"), "pub struct Y;\n").unwrap();
    assert!(circle(&edges(src)).is_some(), "a -> b -> a");
}
