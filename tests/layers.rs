//! The layout is the architecture: each layer of `src/` may use only the
//! layers below it, so the module graph has no cycle, and only the store
//! touches SQL. This reads the sources the way a reviewer would.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module of the crate and the modules it may use.
/// `lib.rs` and `main.rs` wire everything and are not listed.
const ALLOWED: &[(&str, &[&str])] = &[
    ("config", &[]),
    ("domain", &[]),
    ("store", &["domain"]),
    ("media", &["config", "domain"]),
    ("live", &["domain"]),
    ("services", &["config", "domain", "store", "media", "live"]),
    (
        "http",
        &["config", "domain", "store", "media", "live", "services"],
    ),
];

/// Which external crates a layer may name; a crate not listed here is free.
const CONFINED_CRATES: &[(&str, &[&str])] = &[("sqlx", &["store"]), ("axum", &["http", "live"])];

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// The top-level module a source file belongs to (`src/store/posts.rs` →
/// `store`, `src/config.rs` → `config`), or `None` for the crate roots.
fn layer_of(src: &Path, file: &Path) -> Option<String> {
    let first = file.strip_prefix(src).unwrap().components().next()?;
    let name = first.as_os_str().to_str()?.trim_end_matches(".rs");
    (!matches!(name, "lib" | "main")).then(|| name.to_owned())
}

/// The code of a file without its comments, so that doc links and prose
/// do not count as uses.
fn code_lines(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default().to_owned())
        .collect()
}

/// Every module named right after `prefix` in `line` (`crate::store::x`
/// → `store`); `shutterbug::` and the like do not count as `crate::`.
fn names_after<'a>(line: &'a str, prefix: &str) -> Vec<&'a str> {
    let mut names = Vec::new();
    for (at, _) in line.match_indices(prefix) {
        let glued = line[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        if glued {
            continue;
        }
        let rest = &line[at + prefix.len()..];
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if end > 0 {
            names.push(&rest[..end]);
        }
    }
    names
}

/// layer → (layer it uses → a file that does so).
fn uses() -> BTreeMap<String, BTreeMap<String, PathBuf>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut uses: BTreeMap<String, BTreeMap<String, PathBuf>> = BTreeMap::new();
    for file in files {
        let Some(layer) = layer_of(&src, &file) else {
            continue;
        };
        let entry = uses.entry(layer.clone()).or_default();
        for line in code_lines(&file) {
            for used in names_after(&line, "crate::") {
                if used != layer {
                    entry.entry(used.to_owned()).or_insert_with(|| file.clone());
                }
            }
        }
    }
    uses
}

#[test]
fn each_layer_uses_only_the_layers_below_it() {
    let allowed: BTreeMap<&str, BTreeSet<&str>> = ALLOWED
        .iter()
        .map(|(layer, below)| (*layer, below.iter().copied().collect()))
        .collect();
    let mut violations = Vec::new();
    for (layer, used) in uses() {
        let Some(may_use) = allowed.get(layer.as_str()) else {
            violations.push(format!(
                "src/{layer} is not a known layer: add it to ALLOWED"
            ));
            continue;
        };
        for (other, file) in used {
            if !may_use.contains(other.as_str()) {
                violations.push(format!("{layer} uses {other} ({})", file.display()));
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_allowed_uses_have_no_cycle() {
    // Layers ordered so that each uses only earlier ones: possible exactly
    // when the graph is acyclic.
    let mut placed: Vec<&str> = Vec::new();
    let mut left: Vec<(&str, &[&str])> = ALLOWED.to_vec();
    while !left.is_empty() {
        let before = left.len();
        left.retain(|(layer, below)| {
            let ready = below.iter().all(|b| placed.contains(b));
            if ready {
                placed.push(layer);
            }
            !ready
        });
        assert!(left.len() < before, "a cycle among {left:?}");
    }
}

#[test]
fn sql_stays_in_the_store_and_http_types_out_of_the_domain() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut violations = Vec::new();
    for file in files {
        let Some(layer) = layer_of(&src, &file) else {
            continue;
        };
        for line in code_lines(&file) {
            for (krate, layers) in CONFINED_CRATES {
                let named =
                    line.contains(&format!("{krate}::")) || line.contains(&format!("use {krate}"));
                if named && !layers.contains(&layer.as_str()) {
                    violations.push(format!("{} names {krate}", file.display()));
                }
            }
        }
    }
    violations.dedup();
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}
