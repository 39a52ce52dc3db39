//! The layers of `api/src`, as the README draws them, checked on the sources: modules import
//! each other without cycles, the rules (`domain`) import no I/O, the store knows no service
//! or route, and nothing below the routes reaches up into them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module path (`services::signin`) → the source without comments and test modules.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, root, out);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(root).unwrap().with_extension("");
            let name = rel
                .to_string_lossy()
                .replace('\\', "/")
                .trim_end_matches("/mod")
                .replace('/', "::");
            if name == "lib" || name == "main" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code: Vec<&str> = text
                .split("#[cfg(test)]")
                .next()
                .unwrap_or("")
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect();
            out.insert(name, code.join("\n"));
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    walk(&root, &root, &mut out);
    out
}

/// Which modules each module names through `crate::…` or `super::…`.
fn imports(modules: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let resolve = |path: &str| -> Option<String> {
        let parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
        (1..=parts.len())
            .rev()
            .map(|n| parts[..n].join("::"))
            .find(|candidate| modules.contains_key(candidate))
    };
    let mut graph = BTreeMap::new();
    for (name, code) in modules {
        let is_dir = modules.keys().any(|m| m.starts_with(&format!("{name}::")));
        let parent = if is_dir {
            name.clone()
        } else {
            name.rsplit_once("::")
                .map(|(p, _)| p.to_string())
                .unwrap_or_default()
        };
        let mut to = BTreeSet::new();
        for (prefix, base) in [("crate::", String::new()), ("super::", parent)] {
            for (i, _) in code.match_indices(prefix) {
                let tail: String = code[i + prefix.len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_' || *c == ':')
                    .collect();
                let full = if base.is_empty() {
                    tail
                } else {
                    format!("{base}::{tail}")
                };
                if let Some(target) = resolve(&full)
                    && target != *name
                    && !name.starts_with(&format!("{target}::"))
                {
                    to.insert(target);
                }
            }
        }
        graph.insert(name.clone(), to);
    }
    graph
}

fn top(module: &str) -> &str {
    module.split("::").next().unwrap_or(module)
}

#[test]
fn modules_import_each_other_without_cycles() {
    let graph = imports(&modules());
    // Depth-first search for a back edge; report the cycle it closes.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == node) {
            let mut cycle = path[i..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in &graph[node] {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    assert!(graph.len() > 40, "the sources were read: {}", graph.len());
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, &graph, &mut Vec::new(), &mut done) {
            panic!("an import cycle: {}", cycle.join(" → "));
        }
    }
}

#[test]
fn each_layer_imports_only_the_layers_below_it() {
    let graph = imports(&modules());
    // What each top-level module may import (besides itself).
    let allowed: &[(&str, &[&str])] = &[
        ("clock", &[]),
        ("configuration", &[]),
        ("domain", &["configuration"]),
        ("store", &["domain", "clock", "configuration"]),
        ("messages", &["configuration", "store"]),
        ("error", &["store", "auth"]),
        ("metrics", &[]),
        ("telemetry", &["configuration", "auth"]),
        (
            "delivery",
            &["store", "configuration", "clock", "metrics", "domain"],
        ),
        (
            "auth",
            &["domain", "store", "configuration", "error", "state"],
        ),
        (
            "state",
            &[
                "auth",
                "clock",
                "configuration",
                "domain",
                "error",
                "metrics",
                "store",
            ],
        ),
        (
            "services",
            &[
                "auth",
                "configuration",
                "domain",
                "error",
                "messages",
                "state",
                "store",
            ],
        ),
    ];
    let mut wrong = Vec::new();
    for (module, to) in &graph {
        let Some((_, may)) = allowed.iter().find(|(m, _)| *m == top(module)) else {
            continue; // routes, openapi, startup, spa: the top, free to use what is below
        };
        for target in to {
            let t = top(target);
            if t != top(module) && !may.contains(&t) {
                wrong.push(format!("{module} imports {target}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layering:\n{}",
        wrong.join("\n")
    );
}
