//! The layers of `src/` point one way. The table of layers is declared once,
//! in ARCHITECTURE.md: every top-level module of `src/` stands in it, and a
//! module may use (`crate::x`, `$crate::x`, `crate::{x, …}`) only modules
//! listed before it. Code inside `#[cfg(test)] mod tests` and comments are
//! not read, as `../shared/tools/modgraph.py` reads them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use regex::Regex;

/// The modules in the order ARCHITECTURE.md lists them, bottom first, with
/// their layers.
fn declared_layers(root: &Path) -> Vec<(String, String)> {
    let map = std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let row = Regex::new(r"^\| \*\*(\w+)\*\* \| (.*?) \|").unwrap();
    let module = Regex::new(r"`(\w+)`").unwrap();
    let mut order = Vec::new();
    for line in map.lines() {
        if let Some(found) = row.captures(line) {
            for name in module.captures_iter(&found[2]) {
                order.push((name[1].to_owned(), found[1].to_owned()));
            }
        }
    }
    assert!(!order.is_empty(), "ARCHITECTURE.md has no table of layers");
    order
}

/// The top-level modules of `src/` (`lib.rs` and `main.rs` are the crate).
fn modules(src: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(src)
        .unwrap()
        .filter_map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_stem()?.to_str()?.to_owned();
            (path.is_dir() || path.extension().is_some_and(|e| e == "rs"))
                .then_some(name)
                .filter(|n| n != "lib" && n != "main")
        })
        .collect();
    names.sort();
    names
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    if dir.is_file() {
        out.push(dir.to_owned());
        return;
    }
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Each `crate::…` path the code of `text` uses: (line, first segment).
fn used_modules(text: &str) -> Vec<(usize, String)> {
    let text = match Regex::new(r"#\[cfg\(test\)\]\s*mod tests\s*\{")
        .unwrap()
        .find(text)
    {
        Some(tests) => &text[..tests.start()],
        None => text,
    };
    let path = Regex::new(r"\bcrate::(\w+)").unwrap();
    let group = Regex::new(r"\bcrate::\{([^;]*)\}").unwrap();
    let first = Regex::new(r"(?:^|[,{])\s*(\w+)").unwrap();
    let mut used = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        for found in path.captures_iter(code) {
            used.push((number + 1, found[1].to_owned()));
        }
        for found in group.captures_iter(code) {
            // `crate::{a, b::c, d::{e, f}}`: a, b and d.
            let mut depth = 0;
            let top: String = found[1]
                .chars()
                .filter(|c| {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    depth == 0 && *c != '}'
                })
                .collect();
            for item in first.captures_iter(&top) {
                used.push((number + 1, item[1].to_owned()));
            }
        }
    }
    used
}

/// Every use of a module that is not listed before the user.
fn upward_uses(root: &Path) -> Vec<String> {
    let src = root.join("src");
    let order = declared_layers(root);
    let rank: BTreeMap<&str, (usize, &str)> = order
        .iter()
        .enumerate()
        .map(|(i, (module, layer))| (module.as_str(), (i, layer.as_str())))
        .collect();
    let mut problems = Vec::new();
    for module in modules(&src) {
        let Some(&(own, layer)) = rank.get(module.as_str()) else {
            problems.push(format!(
                "src/{module} is in no layer: add it to the table of ARCHITECTURE.md"
            ));
            continue;
        };
        let mut files = Vec::new();
        let dir = src.join(&module);
        rust_files(
            &if dir.is_dir() {
                dir
            } else {
                src.join(format!("{module}.rs"))
            },
            &mut files,
        );
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (line, used) in used_modules(&text) {
                let Some(&(theirs, their_layer)) = rank.get(used.as_str()) else {
                    continue; // a macro at the crate's root, not a module
                };
                if theirs > own {
                    problems.push(format!(
                        "{}:{line}: `{module}` ({layer}) uses `{used}` ({their_layer}), listed after it",
                        file.strip_prefix(root).unwrap_or(&file).display(),
                    ));
                }
            }
        }
    }
    for (module, _) in &order {
        if !modules(&src).contains(module) {
            problems.push(format!(
                "ARCHITECTURE.md lists `{module}`, which src/ does not have"
            ));
        }
    }
    problems
}

#[test]
fn every_module_uses_only_the_modules_listed_before_it_in_the_layers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let problems = upward_uses(root);
    assert!(
        problems.is_empty(),
        "imports against the layers of ARCHITECTURE.md:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_reader_of_imports_sees_plain_grouped_and_macro_paths_but_not_tests_or_comments() {
    let code = "use crate::db::Db;\n\
                use crate::{changes, idempotency::mark, auth::{Caller, Role}};\n\
                $crate::error::ApiError\n\
                // crate::reports is only mentioned\n\
                #[cfg(test)]\nmod tests {\n use crate::startup;\n}\n";
    let used: Vec<String> = used_modules(code).into_iter().map(|(_, m)| m).collect();
    assert_eq!(used, ["db", "changes", "idempotency", "auth", "error"]);
}
