//! The layering rule of ARCHITECTURE.md, checked on the sources so it cannot rot:
//!
//! - `model/` imports nothing above it (no `ingest`, `metrics`, `partial`, `render`, `report`);
//! - `ingest/` imports only `model` and the base modules;
//! - `metrics/` does not import `render`, `report` or `partial`;
//! - `render/` does not import `report` or `partial`;
//! - no two files of a binding (`journey-py/src`, `journey-wasm/src`) import each other.
//!
//! Names re-exported at the crate root (`crate::EventLog`) count as the module they come from.
//! Test modules (`#[cfg(test)]` to the end of a file) may import anything.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const TOP: [&str; 6] = ["model", "ingest", "metrics", "partial", "render", "report"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The source without its test module and comments (doc examples may name anything).
fn library_code(text: &str) -> String {
    let end = text.find("#[cfg(test)]").unwrap_or(text.len());
    text[..end]
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `crate::name` path head in `code`, and the names inside `crate::{...}`.
fn crate_paths(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().last();
        rest = &rest[i + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `journey_crate::`, say
        }
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            for part in inner.split(',') {
                let head: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !head.is_empty() {
                    out.insert(head);
                }
            }
            continue;
        }
        let head: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !head.is_empty() {
            out.insert(head);
        }
    }
    out
}

/// Root re-exports of lib.rs: name -> the top module it comes from.
fn root_names(lib: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for stmt in lib.split(';') {
        let s = stmt.trim();
        let Some(rest) = s.strip_prefix("pub use ") else {
            continue;
        };
        let module: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !TOP.contains(&module.as_str()) {
            continue;
        }
        let names = rest.rsplit("::").next().unwrap_or("");
        for n in names.trim_matches(|c| c == '{' || c == '}').split(',') {
            let n = n.trim();
            if !n.is_empty() {
                out.insert(n.to_string(), module.clone());
            }
        }
    }
    out
}

fn forbidden(layer: &str) -> &'static [&'static str] {
    match layer {
        "model" => &["ingest", "metrics", "partial", "render", "report"],
        "ingest" => &["metrics", "partial", "render", "report"],
        "metrics" => &["partial", "render", "report"],
        "render" => &["partial", "report"],
        _ => &[],
    }
}

#[test]
fn core_layers_import_only_downwards() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let roots = root_names(&fs::read_to_string(src.join("lib.rs")).unwrap());
    assert!(roots.get("EventLog").is_some_and(|m| m == "model"));
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut broken = Vec::new();
    let mut checked = 0;
    for f in files {
        let rel = f.strip_prefix(&src).unwrap();
        let Some(layer) = rel.iter().next().and_then(|c| c.to_str()) else {
            continue;
        };
        if forbidden(layer).is_empty() {
            continue;
        }
        checked += 1;
        let code = library_code(&fs::read_to_string(&f).unwrap());
        for head in crate_paths(&code) {
            let module = roots.get(&head).cloned().unwrap_or(head.clone());
            if forbidden(layer).contains(&module.as_str()) {
                broken.push(format!(
                    "{} imports crate::{head} ({module})",
                    rel.display()
                ));
            }
        }
    }
    assert!(checked > 20, "the sources were found ({checked} files)");
    assert!(broken.is_empty(), "layering broken:\n{}", broken.join("\n"));
}

#[test]
fn binding_files_do_not_import_each_other() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for binding in ["journey-py/src", "journey-wasm/src"] {
        let dir = root.join(binding);
        let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut files = Vec::new();
        rust_files(&dir, &mut files);
        for f in &files {
            // A folder module (`arrow/mod.rs`) is named by its folder, as `crate::` paths name it.
            let mut name = f.file_stem().unwrap().to_string_lossy().to_string();
            if name == "mod" {
                let parent = f.parent().unwrap().file_name().unwrap();
                name = parent.to_string_lossy().to_string();
            }
            let code = library_code(&fs::read_to_string(f).unwrap());
            let mut used = crate_paths(&code);
            used.remove(&name);
            deps.insert(name, used);
        }
        assert!(deps.len() > 5, "{binding} was found");
        let mut both = Vec::new();
        for (a, used) in &deps {
            for b in used {
                if a < b && deps.get(b).is_some_and(|u| u.contains(a)) {
                    both.push(format!("{a} <-> {b}"));
                }
            }
        }
        assert!(
            both.is_empty(),
            "{binding}: files import each other: {both:?}"
        );
    }
}

#[test]
fn the_checker_sees_imports() {
    let code = "use crate::{metrics::funnel, EventLog};\nfn f() { crate::render::x(); }\n// crate::report\n";
    let heads = crate_paths(&library_code(code));
    assert_eq!(
        heads.into_iter().collect::<Vec<_>>(),
        ["EventLog", "metrics", "render"]
    );
}
