//! The house rules a compiler does not check (../shared/CONVENTIONS.md,
//! "House rules"; docs/ARCHITECTURE.md):
//!
//! - no source file over 800 lines (its `#[cfg(test)]` module not counted,
//!   the generated Diesel schema exempt);
//! - no function over 80 lines or with 7 or more parameters, outside tests;
//! - no import loop between the store's modules.
//!
//! What breaks a rule today is listed in `KNOWN_*` below, each with the
//! issue that removes it. A new break fails, and so does a listed one that
//! is gone (strike it from the list): the lists only shrink.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::spanned::Spanned;
use syn::visit::{self, Visit};

const MAX_FILE_LINES: usize = 800;
const MAX_FN_LINES: usize = 80;
const MAX_PARAMS: usize = 6;

/// Files over the limit today (path from the workspace root): none.
const KNOWN_LONG_FILES: &[&str] = &[];

/// Functions over the limits today (`path::name`): none since issue #10.
const KNOWN_LONG_FNS: &[&str] = &[];

/// Store modules in an import loop today: none since the scope checks became
/// a shared module (`access`).
const KNOWN_STORE_LOOPS: &[&[&str]] = &[];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// The product's sources: every crate's `src/`, the api's and the tools'.
/// Test trees (`tests/`, `crates/*/tests`) are not product code.
fn sources() -> Vec<PathBuf> {
    let root = root();
    let mut dirs = Vec::new();
    for parent in ["crates", "tools"] {
        for entry in std::fs::read_dir(root.join(parent)).unwrap() {
            dirs.push(entry.unwrap().path().join("src"));
        }
    }
    dirs.push(root.join("api/src"));
    let mut files = Vec::new();
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("store/src/schema.rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap().display().to_string()
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| a.path().is_ident("cfg") && a.parse_args::<syn::Meta>().is_ok_and(|m| m.path().is_ident("test")))
}

fn lines_of(span: proc_macro2::Span) -> usize {
    span.end().line - span.start().line + 1
}

/// Functions over the limits, and the lines of `#[cfg(test)]` modules.
#[derive(Default)]
struct Survey {
    file: String,
    long_fns: Vec<String>,
    test_lines: usize,
}

impl Survey {
    fn function(&mut self, name: &syn::Ident, sig: &syn::Signature, body: proc_macro2::Span) {
        let params = sig.inputs.iter().filter(|i| matches!(i, syn::FnArg::Typed(_))).count();
        let lines = lines_of(body);
        if lines > MAX_FN_LINES || params > MAX_PARAMS {
            self.long_fns.push(format!("{}::{name} ({lines} lines, {params} parameters)", self.file));
        }
    }
}

impl<'ast> Visit<'ast> for Survey {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if is_cfg_test(&m.attrs) {
            self.test_lines += lines_of(m.span());
            return;
        }
        visit::visit_item_mod(self, m);
    }
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !is_cfg_test(&f.attrs) {
            self.function(&f.sig.ident, &f.sig, f.block.span());
            visit::visit_item_fn(self, f);
        }
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if !is_cfg_test(&f.attrs) {
            self.function(&f.sig.ident, &f.sig, f.block.span());
            visit::visit_impl_item_fn(self, f);
        }
    }
    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(body) = &f.default {
            self.function(&f.sig.ident, &f.sig, body.span());
        }
        visit::visit_trait_item_fn(self, f);
    }
}

fn parse(path: &Path) -> (String, syn::File) {
    let text = std::fs::read_to_string(path).unwrap();
    let file = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (text, file)
}

/// The name without the reason in brackets.
fn key(finding: &str) -> &str {
    finding.split(" (").next().unwrap_or(finding)
}

/// Fails on a finding that is not listed and on a listed one that is gone.
fn compare(what: &str, found: &[String], known: &[&str]) {
    let found_keys: BTreeSet<&str> = found.iter().map(|f| key(f)).collect();
    let new: Vec<&String> = found.iter().filter(|f| !known.contains(&key(f))).collect();
    let gone: Vec<&&str> = known.iter().filter(|k| !found_keys.contains(**k)).collect();
    assert!(new.is_empty(), "{what}: {new:#?}");
    assert!(gone.is_empty(), "{what} no more (strike them from the list in tools/layout/tests/layout.rs): {gone:#?}");
}

#[test]
fn no_source_file_is_over_800_lines() {
    let mut long = Vec::new();
    for path in sources() {
        let (text, file) = parse(&path);
        let mut survey = Survey::default();
        survey.visit_file(&file);
        let lines = text.lines().count() - survey.test_lines;
        if lines > MAX_FILE_LINES {
            long.push(format!("{} ({lines} lines outside tests)", relative(&path)));
        }
    }
    compare("files over 800 lines", &long, KNOWN_LONG_FILES);
}

#[test]
fn no_function_is_over_80_lines_or_takes_7_parameters() {
    let mut long = Vec::new();
    for path in sources() {
        let (_, file) = parse(&path);
        let mut survey = Survey { file: relative(&path), ..Survey::default() };
        survey.visit_file(&file);
        long.extend(survey.long_fns);
    }
    compare("functions over 80 lines or with 7+ parameters", &long, KNOWN_LONG_FNS);
}

/// The store module a file belongs to: `orders.rs` and `orders/…` are
/// `orders`. `lib.rs` (which only declares and re-exports) has none.
fn store_module(src: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib").then(|| name.to_owned())
}

/// `crate::x::…` paths, in `use` trees and in code.
#[derive(Default)]
struct CratePaths(BTreeSet<String>);

impl<'ast> Visit<'ast> for CratePaths {
    fn visit_path(&mut self, p: &'ast syn::Path) {
        let mut segments = p.segments.iter();
        if segments.next().is_some_and(|s| s.ident == "crate")
            && let Some(module) = segments.next()
        {
            self.0.insert(module.ident.to_string());
        }
        visit::visit_path(self, p);
    }
    fn visit_use_path(&mut self, u: &'ast syn::UsePath) {
        if u.ident == "crate" {
            collect_use_roots(&u.tree, &mut self.0);
            return;
        }
        visit::visit_use_path(self, u);
    }
}

fn collect_use_roots(tree: &syn::UseTree, into: &mut BTreeSet<String>) {
    match tree {
        syn::UseTree::Path(p) => {
            into.insert(p.ident.to_string());
        }
        syn::UseTree::Name(n) => {
            into.insert(n.ident.to_string());
        }
        syn::UseTree::Rename(r) => {
            into.insert(r.ident.to_string());
        }
        syn::UseTree::Group(g) => g.items.iter().for_each(|t| collect_use_roots(t, into)),
        syn::UseTree::Glob(_) => {}
    }
}

/// Module → the modules it names.
fn store_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = root().join("crates/store/src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in sources().into_iter().filter(|p| p.starts_with(&src)) {
        let Some(module) = store_module(&src, &path) else { continue };
        let (_, file) = parse(&path);
        let mut paths = CratePaths::default();
        paths.visit_file(&file);
        let edges = graph.entry(module.clone()).or_default();
        edges.extend(paths.0.into_iter().filter(|m| *m != module));
    }
    graph
}

/// The strongly connected components with more than one module (Tarjan).
fn loops(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'g> {
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g str) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let Some((w, _)) = s.graph.get_key_value(w) else { continue };
            if !s.index.contains_key(w.as_str()) {
                visit(s, w);
                let low = s.low[v].min(s.low[w.as_str()]);
                s.low.insert(v, low);
            } else if s.stack.contains(&w.as_str()) {
                let low = s.low[v].min(s.index[w.as_str()]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                component.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut s = State { graph, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), found: Vec::new() };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.found.sort();
    s.found
}

#[test]
fn the_store_modules_import_each_other_without_a_loop() {
    let found: Vec<String> = loops(&store_graph()).into_iter().map(|c| c.join(" ↔ ")).collect();
    let known: Vec<String> = KNOWN_STORE_LOOPS.iter().map(|c| c.join(" ↔ ")).collect();
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    compare("import loops between store modules", &found, &known);
}

#[test]
fn a_loop_is_found_and_a_chain_is_not() {
    let graph = |edges: &[(&str, &str)]| {
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in edges {
            g.entry((*a).to_owned()).or_default().insert((*b).to_owned());
            g.entry((*b).to_owned()).or_default();
        }
        g
    };
    assert!(loops(&graph(&[("a", "b"), ("b", "c")])).is_empty());
    assert_eq!(loops(&graph(&[("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")])), vec![vec!["a", "b", "c"]]);
}

/// The dependencies a crate's manifest declares (names only; dev and build
/// dependencies included: a test of a pure crate stays pure too).
fn declared(manifest: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(manifest).unwrap();
    let mut names = BTreeSet::new();
    let mut in_deps = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_deps = line.ends_with("dependencies]");
        } else if in_deps && let Some((name, _)) = line.split_once('=') {
            names.insert(name.trim().trim_end_matches(".workspace").to_owned());
        }
    }
    names
}

#[test]
fn only_the_store_knows_diesel_and_only_the_api_knows_actix() {
    let root = root();
    assert!(declared(&root.join("crates/store/Cargo.toml")).contains("diesel"), "the manifest reader reads");
    let mut manifests = vec![root.join("api/Cargo.toml")];
    for parent in ["crates", "tools"] {
        for entry in std::fs::read_dir(root.join(parent)).unwrap() {
            manifests.push(entry.unwrap().path().join("Cargo.toml"));
        }
    }
    for manifest in manifests {
        let crate_dir = relative(manifest.parent().unwrap());
        let deps = declared(&manifest);
        for (dep, owner) in [("diesel", "crates/store"), ("diesel_migrations", "crates/store"), ("actix-web", "api")] {
            assert!(!deps.contains(dep) || crate_dir == owner, "{crate_dir} depends on {dep}: only {owner} may");
        }
    }
}
