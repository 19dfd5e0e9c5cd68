//! `lock2nix translate`, end to end: the generated overlay is evaluated against the nixpkgs stub
//! (`fixtures/nixpkgs-stub`) and what Nix reads back is compared with `lock2nix resolve --format json`
//! and the lock itself, for every fixture lock and at least two systems each.
//!
//! One `nix-instantiate --eval --strict --json` call per (lock, system) returns a JSON summary of
//! every package of the plan (forcing `outPath`, which makes the stub validate every argument);
//! the comparisons happen in Rust.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lock2nix_lock::{SdistLocator, WheelLocator};
use lock2nix_nixpkgs::{RecipeFeatures, RecipeFormat, SrcFetcher};
use lock2nix_testkit::{
    fixture, nix_eval_json, nix_parse, nix_path, nix_str, require_tool, stub_expr,
    write_index_json, Overlay,
};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_lock2nix");

/// Runs the binary in `cwd` (a directory without a lock2nix.toml).
fn run_in(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).current_dir(cwd);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run lock2nix")
}

fn run_ok(cwd: &Path, args: &[&str]) -> Vec<u8> {
    let out = run_in(cwd, args, &[]);
    assert!(
        out.status.success(),
        "lock2nix {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn nix_available() -> bool {
    require_tool("nix-instantiate").is_some()
}

/// PEP 503 normalisation, written independently of the crates under test.
fn normalize(name: &str) -> String {
    let mut out = String::new();
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// Standard base64 with padding, written independently of the crates under test.
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `sha256:<hex>` → `sha256-<base64>`.
fn sri_of(lock_hash: &str) -> String {
    let (algo, hexd) = lock_hash.split_once(':').expect("algo:hex");
    format!("{algo}-{}", base64(&hex::decode(hexd).expect("hex digest")))
}

#[test]
fn base64_and_normalize_helpers() {
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foo"), "Zm9v");
    assert_eq!(base64(b"foob"), "Zm9vYg==");
    assert_eq!(
        sri_of("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    );
    assert_eq!(normalize("Zope.Interface__x"), "zope-interface-x");
}

/// A nixpkgs index, both as the file `translate --index` reads and as the stub's JSON list
/// (`lock2nix_testkit::write_index_json`, recipe features included).
struct Index {
    file: PathBuf,
    json: PathBuf,
    entries: lock2nix_nixpkgs::Index,
}

impl Index {
    /// The index in `file`, with its JSON for the stub written to `dir`.
    fn from_file(dir: &Path, file: PathBuf) -> Index {
        let entries = lock2nix_nixpkgs::Index::read(&file)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let json = dir.join("index.json");
        write_index_json(&entries, &json).unwrap();
        Index {
            file,
            json,
            entries,
        }
    }

    /// The pname of nixpkgs' `attr`.
    fn pname(&self, attr: &str) -> Option<&str> {
        self.entries.get(attr).map(|e| e.pname.as_str())
    }

    /// How the stub fetches nixpkgs' own src of `attr`: the recipe's fetcher (a family member's
    /// is its parent's), `fetchPypi` when the index knows no features.
    fn src_kind(&self, attr: &str) -> String {
        let Some(e) = self.entries.get(attr) else {
            return "fetchPypi".into();
        };
        let f = &e.features;
        if !f.known() {
            return "fetchPypi".into();
        }
        if let Some(parent) = f.family.as_deref().filter(|p| *p != attr) {
            if self.entries.get(parent).is_some() {
                return self.src_kind(parent);
            }
        }
        match f.src_fetcher.as_ref().map(|x| x.as_str()) {
            Some(c @ ("fetchFromGitHub" | "fetchFromGitLab" | "fetchgit")) => c.into(),
            Some("fetchurl") => "fetchurl".into(),
            _ => "fetchPypi".into(),
        }
    }
}

/// The committed authentik index: a v2 index with the recipe features of every nixpkgs attribute
/// of the closure, read from nixpkgs' recipes (`fixtures/nixpkgs-index/PROVENANCE.md`).
fn authentik_index(dir: &Path) -> Index {
    Index::from_file(dir, fixture("nixpkgs-index/authentik.tsv"))
}

/// The recipe features of a derived index's entries, in turn: what decides whether a version
/// swap of nixpkgs' recipe builds.
fn derived_features(kind: usize) -> RecipeFeatures {
    let plain = RecipeFeatures {
        src_fetcher: Some(SrcFetcher::FetchPypi),
        rust_vendor: Some(false),
        patches: Some(false),
        source_root: Some(false),
        substitutions: Some(false),
        custom_check: Some(false),
        runs_tests: Some(true),
        eval_assert: Some(false),
        family: None,
        family_passthru: None,
        format: Some(RecipeFormat::Pyproject),
        native_build_inputs: Some(vec![]),
        build_inputs: Some(vec![]),
    };
    match kind {
        // unknown: a swap is not trusted
        0 => RecipeFeatures::default(),
        // a plain fetchPypi recipe with tests: the swap keeps the recipe, without its tests
        1 => plain,
        // Rust crates vendored from a GitHub checkout
        2 => RecipeFeatures {
            src_fetcher: Some(SrcFetcher::FetchFromGitHub),
            rust_vendor: Some(true),
            native_build_inputs: Some(vec!["rustPlatform.cargoSetupHook".into()]),
            ..plain
        },
        // patches and in-place edits written for nixpkgs' version, and its own check phase
        _ => RecipeFeatures {
            patches: Some(true),
            substitutions: Some(true),
            custom_check: Some(true),
            ..plain
        },
    }
}

/// A derived index (lock2nix-index v2) for a big lock: of the packages `lock2nix resolve`
/// finds on `system` (sorted by name), every 4th is in nixpkgs at the lock's version (reuse),
/// the next at another version (a version swap, with a capitalised pname as nixpkgs sometimes
/// has), the rest are missing (build). The entries take the recipe features of
/// [`derived_features`] in turn.
fn derived_index(dir: &Path, lock: &Path, system: &str, python: &str) -> Index {
    let resolved: Value = serde_json::from_slice(&run_ok(
        dir,
        &[
            "resolve",
            "--lock",
            &lock.display().to_string(),
            "--python",
            python,
            "--system",
            system,
            "--format",
            "json",
        ],
    ))
    .unwrap();
    let mut names: Vec<(String, String)> = resolved["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["source"] == "registry")
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    names.sort();
    let mut meta = lock2nix_nixpkgs::IndexMeta::new(lock2nix_nixpkgs::IndexSource::Tsv);
    meta.python = Some(python.parse().unwrap());
    let mut index = lock2nix_nixpkgs::Index::new(meta);
    for (i, (name, version)) in names.iter().enumerate() {
        let (pname, v) = match i % 4 {
            0 => (name.clone(), version.clone()),
            1 => (name.to_uppercase(), "0.0.1".to_string()),
            _ => continue,
        };
        let mut e = lock2nix_nixpkgs::Entry::new(name.clone(), pname, Some(v));
        e.broken = Some(false);
        e.disabled = Some(false);
        e.features = derived_features((i / 4) % 4);
        index.insert(e);
    }
    let file = dir.join("index.tsv");
    index.write(&file).unwrap();
    Index::from_file(dir, file)
}

/// The lock's file artifacts: (name, version) → [(url, sha256:hex)].
fn lock_artifacts(lock: &Path) -> BTreeMap<(String, String), Vec<(String, String)>> {
    let lock = lock2nix_lock::read_lock(lock).expect("read lock");
    let mut out: BTreeMap<(String, String), Vec<(String, String)>> = BTreeMap::new();
    for p in &lock.packages {
        let key = (p.name.to_string(), p.version_string());
        let e = out.entry(key).or_default();
        if let Some(s) = &p.sdist {
            if let (SdistLocator::Url(u), Some(h)) = (&s.locator, &s.hash) {
                e.push((u.clone(), format!("sha256:{}", h.hex())));
            }
        }
        for w in &p.wheels {
            if let (WheelLocator::Url(u), Some(h)) = (&w.locator, &w.hash) {
                e.push((u.clone(), format!("sha256:{}", h.hex())));
            }
        }
    }
    out
}

/// What one evaluation should be compared with.
struct Case<'a> {
    lock: &'a Path,
    python: &'a str,
    systems: &'a [&'a str],
    index: Option<&'a Index>,
    /// `--scope NAME` (else the default private interpreter, named in the overlay's header).
    scope: Option<&'a str>,
    /// `--global`: nixpkgs' own package sets get the overrides.
    global: bool,
    sidecar: Option<&'a Path>,
    /// `--policy` (else the default, compatible).
    policy: Option<&'a str>,
    /// Roots exposed under another top-level name (`[packages.ROOT] top-level`, written to a
    /// lock2nix.toml given with `--config`): (root, name).
    top_level: &'a [(&'a str, &'a str)],
}

impl Case<'_> {
    /// The arguments every command of the case shares: the configuration, the policy.
    fn common_args(&self, config: &Path) -> Vec<String> {
        let mut args = Vec::new();
        if !self.top_level.is_empty() || self.sidecar.is_some() {
            // the sidecar for `plan` too, which has no --hashes
            let mut text: String = self
                .sidecar
                .map(|s| format!("hashes = {}\n", toml_str(&s.display().to_string())))
                .unwrap_or_default();
            text.extend(
                self.top_level
                    .iter()
                    .map(|(root, name)| format!("[packages.{root}]\ntop-level = \"{name}\"\n")),
            );
            std::fs::write(config, text).unwrap();
            args.extend(["--config".into(), config.display().to_string()]);
        }
        if let Some(p) = self.policy {
            args.extend(["--policy".into(), p.into()]);
        }
        args
    }
}

/// A TOML basic string (the paths here have no control characters).
fn toml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

struct Translated {
    _dir: tempfile::TempDir,
    overlay: PathBuf,
    text: String,
}

fn translate(case: &Case<'_>, out_dir: Option<&Path>) -> Translated {
    let dir = tempfile::tempdir().unwrap();
    let overlay = out_dir.unwrap_or(dir.path()).join("overlay.nix");
    let lock = case.lock.display().to_string();
    let out = overlay.display().to_string();
    let mut args: Vec<String> = vec![
        "translate".into(),
        "--lock".into(),
        lock,
        "--python".into(),
        case.python.into(),
        "--out".into(),
        out,
    ];
    for s in case.systems {
        args.extend(["--system".into(), (*s).into()]);
    }
    if let Some(ix) = case.index {
        args.extend(["--index".into(), ix.file.display().to_string()]);
    }
    if let Some(s) = case.scope {
        args.extend(["--scope".into(), s.into()]);
    }
    if case.global {
        args.push("--global".into());
    }
    args.extend(case.common_args(&dir.path().join("lock2nix.toml")));
    match case.sidecar {
        Some(s) => args.extend(["--hashes".into(), s.display().to_string()]),
        None => args.push("--allow-missing-hashes".into()),
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    run_ok(dir.path(), &argv);
    let text = std::fs::read_to_string(&overlay).unwrap();
    Translated {
        _dir: dir,
        overlay,
        text,
    }
}

fn json_of(cwd: &Path, cmd: &str, case: &Case<'_>, system: &str) -> Value {
    let lock = case.lock.display().to_string();
    let mut args = vec![
        cmd,
        "--lock",
        &lock,
        "--python",
        case.python,
        "--system",
        system,
        "--format",
        "json",
    ];
    let ix;
    let common;
    if cmd == "resolve" {
        // the overlay (and `plan`) holds every environment's packages: by default the roots and
        // `dev`'s, uv's default groups
        args.push("--default-groups");
    }
    if cmd == "plan" {
        if let Some(i) = case.index {
            ix = i.file.display().to_string();
            args.extend(["--index", &ix]);
        }
        common = case.common_args(&cwd.join("lock2nix.toml"));
        args.extend(common.iter().map(String::as_str));
    }
    serde_json::from_slice(&run_ok(cwd, &args)).expect("json")
}

/// The one evaluation per (lock, system): a summary of every planned attribute.
#[allow(clippy::too_many_arguments)]
fn summary(
    overlay: &Path,
    system: &str,
    set: &str,
    py_attr: &str,
    attrs: &[String],
    roots: &[(String, String)],
    paths: &[(String, PathBuf, String)],
    index: Option<&Path>,
) -> Value {
    let list = |v: &[String]| v.iter().map(|s| nix_str(s)).collect::<Vec<_>>().join(" ");
    let expected = paths
        .iter()
        .map(|(attr, p, name)| {
            format!(
                "{} = builtins.path {{ path = {}; name = {}; }};",
                nix_str(attr),
                nix_path(p),
                nix_str(name)
            )
        })
        .collect::<String>();
    let expr = format!(
        r#"let
  pkgs = {stub};
  base = {base};
  ps = pkgs.{set}.pkgs;
  srcInfo = s:
    if s == null then {{ kind = "null"; }}
    else if builtins.isAttrs s && s ? fetcher then {{ kind = s.fetcher; args = s.args or {{ }}; name = s.name; out = s.outPath; }}
    else {{ kind = "path"; path = toString s; }};
  info = p: {{
    inherit (p) pname version name format;
    out = p.outPath;
    src = srcInfo (p.src or null);
    sourceRoot = p.sourceRoot or null;
    deps = map (d: d.outPath) (p.dependencies or [ ]);
    depNames = map (d: d.pname) (p.dependencies or [ ]);
    optdeps = builtins.mapAttrs (_: l: map (d: d.pname) l) (p.optional-dependencies or {{ }});
    native = map (d: d.name) (p.nativeBuildInputs or [ ]);
  }};
in {{
  packages = builtins.listToAttrs (map (a: {{ name = a; value = info ps.${{a}}; }}) [ {attrs} ]);
  roots = builtins.listToAttrs (map (r: {{ name = r.attr; value = pkgs.${{r.export}}.outPath == ps.${{r.attr}}.outPath; }}) [ {exports} ]);
  expectedPaths = {{ {expected} }};
  pyNames = builtins.attrNames pkgs.{py}.pkgs;
  pyBase = builtins.attrNames base.{py}.pkgs;
  otherHasRoots = map (r: pkgs.{other}.pkgs ? ${{r.attr}}) [ {exports} ];
  missing = (ps.lock2nixMissingHashes or [ ]);
}}"#,
        stub = stub_expr(system, Overlay::File(overlay), index),
        base = stub_expr(system, Overlay::None, index),
        attrs = list(attrs),
        py = py_attr,
        other = if set == "python312" {
            "python313"
        } else {
            "python312"
        },
        exports = roots
            .iter()
            .map(|(export, attr)| format!(
                "{{ export = {}; attr = {}; }}",
                nix_str(export),
                nix_str(attr)
            ))
            .collect::<Vec<_>>()
            .join(" "),
    );
    nix_eval_json(&expr)
        .unwrap_or_else(|e| panic!("evaluating {} for {system}: {e}", overlay.display()))
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Evaluates the overlay of `case` on each system and compares it with `resolve`/`plan`.
fn check_case(case: &Case<'_>) -> Vec<Value> {
    let t = translate(case, None);
    nix_parse(&t.overlay).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        t.text.starts_with("# @generated by lock2nix "),
        "the marker translate looks for"
    );
    let cwd = tempfile::tempdir().unwrap();
    let artifacts = lock_artifacts(case.lock);
    let root_dir = case.lock.parent().unwrap();
    let py_attr = format!("python{}", case.python.replace('.', ""));
    let set = if case.global {
        py_attr.clone()
    } else {
        // the header names the interpreter: `…; mode: scope NAME`
        let mode = t
            .text
            .lines()
            .find_map(|l| l.split_once("mode: scope "))
            .map(|(_, name)| name.trim().to_string())
            .expect("the header names the private interpreter");
        if let Some(s) = case.scope {
            assert_eq!(mode, s, "--scope names the interpreter");
        }
        mode
    };
    let mut summaries = Vec::new();
    for system in case.systems {
        let resolved = json_of(cwd.path(), "resolve", case, system);
        let planned = json_of(cwd.path(), "plan", case, system);
        let mut by_name: BTreeMap<String, &Value> = BTreeMap::new();
        for p in resolved["packages"].as_array().unwrap() {
            by_name.insert(p["name"].as_str().unwrap().to_string(), p);
        }
        let mut plan_of: BTreeMap<String, &Value> = BTreeMap::new();
        for p in planned["packages"].as_array().unwrap() {
            plan_of.insert(p["name"].as_str().unwrap().to_string(), p);
        }
        assert_eq!(
            by_name.keys().collect::<Vec<_>>(),
            plan_of.keys().collect::<Vec<_>>(),
            "plan and resolve disagree on the closure"
        );
        let attrs: Vec<String> = plan_of
            .values()
            .map(|p| p["attr"].as_str().unwrap().to_string())
            .collect();
        let roots: Vec<(String, String)> = strs(&resolved["roots"])
            .iter()
            .map(|r| {
                let attr = plan_of[r]["attr"].as_str().unwrap().to_string();
                let export = case
                    .top_level
                    .iter()
                    .find(|(root, _)| root == r)
                    .map_or(attr.clone(), |(_, name)| name.to_string());
                (export, attr)
            })
            .collect();
        let mut paths = Vec::new();
        for (name, p) in &by_name {
            if matches!(
                p["artifact"]["kind"].as_str(),
                Some("editable" | "directory")
            ) {
                let rel = p["artifact"]["path"].as_str().unwrap();
                let dir = if rel == "." {
                    root_dir.to_path_buf()
                } else {
                    root_dir.join(rel)
                };
                paths.push((
                    plan_of[name]["attr"].as_str().unwrap().to_string(),
                    dir.canonicalize().unwrap(),
                    format!("{name}-source"),
                ));
            }
        }
        let s = summary(
            &t.overlay,
            system,
            &set,
            &py_attr,
            &attrs,
            &roots,
            &paths,
            case.index.map(|i| i.json.as_path()),
        );
        let pk = &s["packages"];
        let cut: BTreeSet<(String, String)> = resolved["cycles"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| {
                c["cut"].as_array().unwrap().iter().map(|e| {
                    (
                        e[0].as_str().unwrap().to_string(),
                        e[1].as_str().unwrap().to_string(),
                    )
                })
            })
            .collect();
        let is_linux = system.ends_with("-linux");
        let out_of = |name: &str| {
            pk[plan_of[name]["attr"].as_str().unwrap()]["out"]
                .as_str()
                .unwrap()
                .to_string()
        };
        let mut names_of_out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for name in by_name.keys() {
            names_of_out
                .entry(out_of(name))
                .or_default()
                .push(name.clone());
        }
        let mut nix_deps: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, rp) in &by_name {
            let plan = plan_of[name];
            let attr = plan["attr"].as_str().unwrap();
            let action = plan["action"].as_str().unwrap();
            let n = &pk[attr];
            let ctx = format!("{} {system}: {name} ({action})", case.lock.display());
            let version = rp["version"].as_str().unwrap();
            // a reused package is nixpkgs' (the policy accepted its version)
            match (action, plan["nixpkgs_version"].as_str()) {
                ("reuse", Some(v)) => assert_eq!(n["version"], v, "{ctx}: nixpkgs' version"),
                ("reuse", None) => {}
                _ => assert_eq!(n["version"], version, "{ctx}: version"),
            }
            let art = &rp["artifact"];
            let kind = art["kind"].as_str().unwrap();
            let src = &n["src"];
            match action {
                "reuse" | "override" => {
                    let nixpkgs_attr = plan["nixpkgs_attr"].as_str().unwrap();
                    // the index's recipe, or (a bootstrap package the index lacks) the one every
                    // nixpkgs has
                    let pname = case
                        .index
                        .and_then(|i| i.pname(nixpkgs_attr))
                        .unwrap_or(nixpkgs_attr);
                    assert_eq!(
                        n["pname"].as_str(),
                        Some(pname),
                        "{ctx}: nixpkgs' recipe (pname)"
                    );
                    if action == "reuse" {
                        let kind = case
                            .index
                            .map_or("fetchPypi".into(), |i| i.src_kind(nixpkgs_attr));
                        assert_eq!(src["kind"], kind.as_str(), "{ctx}: nixpkgs' own src");
                    } else {
                        assert_eq!(src["kind"], "fetchurl", "{ctx}: {src}");
                        let url = src["args"]["url"].as_str().unwrap().to_string();
                        let hash = src["args"]["hash"].as_str().unwrap();
                        let known = &artifacts[&(name.clone(), version.to_string())];
                        let (_, h) = known
                            .iter()
                            .find(|(u, _)| *u == url)
                            .unwrap_or_else(|| panic!("{ctx}: {url} is not in the lock"));
                        assert_eq!(hash, sri_of(h), "{ctx}: hash of {url}");
                    }
                }
                "build" | "in-tree" | "vcs" => {
                    assert_eq!(
                        normalize(n["pname"].as_str().unwrap()),
                        *name,
                        "{ctx}: pname"
                    );
                    // dependencies as derivations: each must be the package set's own for the
                    // resolved dependency (reuse under another attribute included)
                    let got_outs = strs(&n["deps"]);
                    let want: Vec<String> = strs(&rp["dependencies"])
                        .into_iter()
                        .filter(|d| !cut.contains(&(name.clone(), d.clone())))
                        .collect();
                    let mut want_outs: Vec<String> = want.iter().map(|d| out_of(d)).collect();
                    want_outs.sort();
                    let mut got_sorted = got_outs.clone();
                    got_sorted.sort();
                    assert_eq!(
                        got_sorted,
                        want_outs,
                        "{ctx}: dependencies (Nix: {:?}, resolved: {want:?})",
                        strs(&n["depNames"])
                    );
                    nix_deps.insert(
                        name.clone(),
                        got_outs
                            .iter()
                            .flat_map(|o| names_of_out[o].iter().cloned())
                            .collect(),
                    );
                    match kind {
                        "wheel" | "sdist" | "url" => {
                            assert_eq!(src["kind"], "fetchurl", "{ctx}: {src}");
                            assert_eq!(src["args"]["url"], art["url"], "{ctx}: url");
                            match art["hash"].as_str() {
                                Some(h) => assert_eq!(
                                    src["args"]["hash"].as_str().unwrap(),
                                    sri_of(h),
                                    "{ctx}: hash"
                                ),
                                None => assert_eq!(
                                    src["args"]["hash"],
                                    "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                                    "{ctx}"
                                ),
                            }
                            let wheel = art["filename"]
                                .as_str()
                                .is_some_and(|f| f.ends_with(".whl"));
                            assert_eq!(
                                n["format"],
                                if wheel { "wheel" } else { "pyproject" },
                                "{ctx}: format"
                            );
                            // the stub checks the name; installers need the real file name
                            if let Some(f) = art["filename"].as_str() {
                                assert_eq!(src["name"], f, "{ctx}: fetchurl name");
                            }
                            let binary =
                                wheel && !art["filename"].as_str().unwrap().ends_with("-any.whl");
                            let patchelf =
                                strs(&n["native"]).iter().any(|x| x == "auto-patchelf-hook");
                            assert_eq!(patchelf, binary && is_linux, "{ctx}: autoPatchelfHook");
                            if let Some(sub) = art["subdirectory"].as_str() {
                                assert_eq!(
                                    n["sourceRoot"].as_str().unwrap(),
                                    format!("{}/{sub}", src["name"].as_str().unwrap())
                                );
                            }
                        }
                        "editable" | "directory" => {
                            assert_eq!(src["kind"], "path", "{ctx}");
                            assert_eq!(
                                src["path"], s["expectedPaths"][attr],
                                "{ctx}: in-tree source"
                            );
                        }
                        "virtual" => {
                            assert_eq!(src["kind"], "null", "{ctx}: a meta package has no source");
                            assert_eq!(n["format"], "other", "{ctx}");
                        }
                        "git" => {
                            assert!(
                                matches!(
                                    src["kind"].as_str(),
                                    Some("fetchFromGitHub" | "fetchgit")
                                ),
                                "{ctx}: {src}"
                            );
                            assert_eq!(src["args"]["rev"], art["commit"], "{ctx}: rev");
                            let repo_url = match src["kind"].as_str() {
                                Some("fetchgit") => {
                                    src["args"]["url"].as_str().unwrap().to_string()
                                }
                                _ => format!(
                                    "https://github.com/{}/{}",
                                    src["args"]["owner"].as_str().unwrap(),
                                    src["args"]["repo"].as_str().unwrap()
                                ),
                            };
                            let lock_url = art["url"].as_str().unwrap_or_default();
                            assert!(
                                lock_url.starts_with(&repo_url),
                                "{ctx}: {repo_url} vs {lock_url}"
                            );
                        }
                        other => panic!("{ctx}: unexpected artifact kind {other}"),
                    }
                }
                other => panic!("{ctx}: unknown action {other}"),
            }
        }
        // The closure from the roots: through the overlay's own dependency lists for packages it
        // builds, through the lock's for nixpkgs' recipes (whose dependencies nixpkgs declares).
        let mut reached: BTreeSet<String> = BTreeSet::new();
        // (and from what the roots' chosen groups and the workspace root add: the environments)
        let mut todo: Vec<String> = strs(&resolved["roots"]);
        todo.extend(strs(&resolved["manifest_requirements"]));
        for g in resolved["manifest_groups"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.values())
        {
            todo.extend(strs(g));
        }
        for r in strs(&resolved["roots"]) {
            if let Some(groups) = by_name[&r]["group_dependencies"].as_object() {
                for g in groups.values() {
                    todo.extend(strs(g));
                }
            }
        }
        while let Some(n) = todo.pop() {
            if !reached.insert(n.clone()) {
                continue;
            }
            let Some(rp) = by_name.get(&n) else { continue };
            let next = match nix_deps.get(&n) {
                Some(d) => d.clone(),
                None => strs(&rp["dependencies"]),
            };
            todo.extend(next);
        }
        assert_eq!(
            reached.iter().collect::<Vec<_>>(),
            by_name.keys().collect::<Vec<_>>(),
            "{} {system}: closure",
            case.lock.display()
        );
        for (export, attr) in &roots {
            assert_eq!(
                s["roots"][attr], true,
                "{system}: top-level {export} is the package set's {attr}"
            );
        }
        if !case.global {
            assert_eq!(
                s["pyNames"], s["pyBase"],
                "{system}: {py_attr}.pkgs untouched with a private interpreter"
            );
        } else {
            assert!(
                s["otherHasRoots"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|b| b == false),
                "other interpreters are untouched"
            );
        }
        summaries.push(s);
    }
    summaries
}

fn authentik_lock() -> PathBuf {
    fixture("authentik/uv.lock")
}

/// nixpkgs' top-level `authentik` is the server: the root is exposed as nixpkgs names its Python
/// part (the committed index knows the top-level name, so translate refuses `authentik`).
const AUTHENTIK_TOP_LEVEL: &[(&str, &str)] = &[("authentik", "authentik-django")];

const POLICIES: [&str; 3] = ["exact", "compatible", "nixpkgs"];

/// authentik with the committed index (recipe features read from nixpkgs) under `policy`, on one
/// system: every planned package instantiates under the stricter stub (whose recipes fail where
/// nixpkgs' builds would), and the closure is the resolved one.
fn authentik_under(policy: &str, system: &str) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let index = authentik_index(dir.path());
    let lock = authentik_lock();
    let case = Case {
        lock: &lock,
        python: "3.13",
        systems: &[system],
        index: Some(&index),
        scope: None,
        global: false,
        sidecar: None,
        policy: Some(policy),
        top_level: AUTHENTIK_TOP_LEVEL,
    };
    let summaries = check_case(&case);
    if policy != "nixpkgs" {
        // psycopg's family is built fresh; nixpkgs' `psycopg-c = psycopg.c` is read from the
        // final set, so the child's native inputs come from the parent's passthru before the
        // overlay (`python-prev.psycopg-c` would be the fresh psycopg's missing `c`)
        let text = translate(&case, None).text;
        assert!(
            text.contains("buildInputs = python-prev.psycopg.c.buildInputs or [];"),
            "psycopg-c's carried inputs"
        );
    }
    summaries
}

#[test]
fn authentik_evaluates_under_exact() {
    if !nix_available() {
        return;
    }
    let s = authentik_under(POLICIES[0], "x86_64-linux");
    assert_eq!(
        strs(&s[0]["missing"]).len(),
        1,
        "the git source without a hash is listed"
    );
}

#[test]
fn authentik_evaluates_under_compatible() {
    if nix_available() {
        authentik_under(POLICIES[1], "aarch64-linux");
    }
}

#[test]
fn authentik_evaluates_under_nixpkgs() {
    if nix_available() {
        authentik_under(POLICIES[2], "x86_64-linux");
    }
}

/// `compatible` with the metadata `lock2nix prefetch` recorded (the example's sidecar: every
/// wheel's and sdist's `Requires-Dist`): every dependent's specifier is known, so more of nixpkgs
/// is reused, families included, and the overlay still evaluates under the stricter stub.
#[test]
fn authentik_evaluates_under_compatible_with_prefetched_metadata() {
    if !nix_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let index = authentik_index(dir.path());
    let lock = authentik_lock();
    let sidecar = lock2nix_testkit::repo_root().join("examples/authentik/lock2nix-hashes.toml");
    let case = Case {
        lock: &lock,
        python: "3.13",
        systems: &["x86_64-linux"],
        index: Some(&index),
        scope: None,
        global: false,
        sidecar: Some(&sidecar),
        policy: Some("compatible"),
        top_level: AUTHENTIK_TOP_LEVEL,
    };
    check_case(&case);
    let with = json_of(dir.path(), "plan", &case, "x86_64-linux");
    let without = json_of(
        dir.path(),
        "plan",
        &Case {
            sidecar: None,
            ..case
        },
        "x86_64-linux",
    );
    let reused = |v: &Value| v["counts"]["reuse"].as_u64().unwrap();
    assert!(
        reused(&with) > reused(&without),
        "metadata lets compatible reuse more: {} vs {}",
        reused(&with),
        reused(&without)
    );
}

/// The subset index (no recipe features, no top-level names): nothing of nixpkgs' recipes is
/// swapped, so the default policy's overlay evaluates on a Darwin system too.
#[test]
fn authentik_evaluates_with_the_subset_index() {
    if !nix_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let index = Index::from_file(dir.path(), fixture("nixpkgs-index/authentik-subset.tsv"));
    let lock = authentik_lock();
    check_case(&Case {
        lock: &lock,
        python: "3.13",
        systems: &["aarch64-darwin"],
        index: Some(&index),
        scope: None,
        global: false,
        sidecar: None,
        policy: None,
        top_level: AUTHENTIK_TOP_LEVEL,
    });
}

#[test]
fn authentik_scope_mode() {
    if !nix_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let index = authentik_index(dir.path());
    let lock = authentik_lock();
    check_case(&Case {
        lock: &lock,
        python: "3.13",
        systems: &["x86_64-darwin"],
        index: Some(&index),
        scope: Some("authentikBackend"),
        global: false,
        sidecar: None,
        policy: None,
        top_level: AUTHENTIK_TOP_LEVEL,
    });
}

#[test]
fn authentik_global_mode() {
    if !nix_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let index = authentik_index(dir.path());
    let lock = authentik_lock();
    check_case(&Case {
        lock: &lock,
        python: "3.13",
        systems: &["x86_64-linux"],
        index: Some(&index),
        scope: None,
        global: true,
        sidecar: None,
        policy: None,
        top_level: AUTHENTIK_TOP_LEVEL,
    });
}

#[test]
fn workspace_mixed_evaluates() {
    if !nix_available() {
        return;
    }
    let lock = fixture("locks/workspace-mixed/uv.lock");
    check_case(&Case {
        lock: &lock,
        python: "3.12",
        systems: &["x86_64-linux", "aarch64-darwin"],
        index: None,
        scope: None,
        global: false,
        sidecar: None,
        policy: None,
        top_level: &[],
    });
}

#[test]
fn top_300_evaluates_on_all_four_systems_with_a_derived_index() {
    if !nix_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let lock = fixture("locks/top-300/uv.lock");
    let index = derived_index(dir.path(), &lock, "x86_64-linux", "3.12");
    check_case(&Case {
        lock: &lock,
        python: "3.12",
        systems: &[
            "x86_64-linux",
            "aarch64-linux",
            "x86_64-darwin",
            "aarch64-darwin",
        ],
        index: Some(&index),
        scope: None,
        global: false,
        sidecar: None,
        policy: None,
        top_level: &[],
    });
}

#[test]
fn top_1000_evaluates_without_an_index() {
    if !nix_available() {
        return;
    }
    // cuda-bindings (a direct dependency) has Linux and Windows wheels only: no Darwin overlay.
    let lock = fixture("locks/top-1000/uv.lock");
    check_case(&Case {
        lock: &lock,
        python: "3.12",
        systems: &["aarch64-linux"],
        index: None,
        scope: None,
        global: false,
        sidecar: None,
        policy: None,
        top_level: &[],
    });
}

/// A big lock with a derived index (reuse, swaps of recipes with every kind of features, missing)
/// under `policy`, on one system.
fn big_lock_under(lock: &str, system: &str, policy: &str) {
    let dir = tempfile::tempdir().unwrap();
    let lock = fixture(lock);
    let index = derived_index(dir.path(), &lock, system, "3.12");
    let case = Case {
        lock: &lock,
        python: "3.12",
        systems: &[system],
        index: Some(&index),
        scope: None,
        global: false,
        sidecar: None,
        policy: Some(policy),
        top_level: &[],
    };
    check_case(&case);
    // the derived index's recipes take each way of a version swap
    let planned = json_of(dir.path(), "plan", &case, system);
    let packages = planned["packages"].as_array().unwrap();
    let with = |s: &str| {
        packages
            .iter()
            .filter(|p| p["reason"].as_str().unwrap().contains(s))
            .count()
    };
    let overrides = planned["counts"]["override"].as_u64().unwrap();
    if policy == "nixpkgs" {
        assert_eq!(overrides, 0, "every nixpkgs package is reused");
        assert_eq!(with("version swap"), 0);
    } else {
        assert!(overrides > 10, "{overrides}: plain recipes are overridden");
        assert!(with("the index does not describe nixpkgs' recipe") > 10);
        assert!(with("would not survive a version swap (src from fetchFromGitHub, Rust vendored from its src)") > 10);
        assert!(
            with("would not survive a version swap (patches, source edits, custom check phase)")
                > 10
        );
    }
}

#[test]
fn top_1000_evaluates_under_exact() {
    if nix_available() {
        big_lock_under("locks/top-1000/uv.lock", "x86_64-linux", POLICIES[0]);
    }
}

#[test]
fn top_1000_evaluates_under_compatible() {
    if nix_available() {
        big_lock_under("locks/top-1000/uv.lock", "x86_64-linux", POLICIES[1]);
    }
}

#[test]
fn top_1000_evaluates_under_nixpkgs() {
    if nix_available() {
        big_lock_under("locks/top-1000/uv.lock", "x86_64-linux", POLICIES[2]);
    }
}

#[test]
fn top_1500_evaluates_under_exact() {
    if nix_available() {
        big_lock_under("locks/top-1500/uv.lock", "aarch64-linux", POLICIES[0]);
    }
}

#[test]
fn top_1500_evaluates_under_compatible() {
    if nix_available() {
        big_lock_under("locks/top-1500/uv.lock", "aarch64-linux", POLICIES[1]);
    }
}

#[test]
fn top_1500_evaluates_under_nixpkgs() {
    if nix_available() {
        big_lock_under("locks/top-1500/uv.lock", "aarch64-linux", POLICIES[2]);
    }
}

/// Copies a directory tree (the fixtures are small).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

const AUTHENTIK_GIT: &str =
    "https://github.com/vsoch/oci-python#ceb4fcc090851717a3069d78e85ceb1e86c2740c";

/// A copy of the authentik fixture (and the index) in a temporary directory.
fn authentik_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("authentik"), &dir.path().join("project"));
    std::fs::copy(
        fixture("nixpkgs-index/authentik-subset.tsv"),
        dir.path().join("authentik-subset.tsv"),
    )
    .unwrap();
    dir
}

fn authentik_args(out: &str, extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = [
        "translate",
        "--lock",
        "project/uv.lock",
        "--python",
        "3.13",
        "--system",
        "x86_64-linux",
        "--system",
        "aarch64-linux",
        "--index",
        "authentik-subset.tsv",
        "--out",
        out,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

#[test]
fn authentik_is_deterministic_and_snapshotted() {
    let dir = authentik_copy();
    let args = authentik_args("-", &["--allow-missing-hashes"]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut first: Option<Vec<u8>> = None;
    for threads in ["1", "8"] {
        for _ in 0..10 {
            let out = run_in(dir.path(), &argv, &[("RAYON_NUM_THREADS", threads)]);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            match &first {
                None => first = Some(out.stdout),
                Some(f) => assert!(
                    *f == out.stdout,
                    "translate output differs between runs (RAYON_NUM_THREADS={threads})"
                ),
            }
        }
    }
    // The file written beside the lock: workspaceRoot is `./..`, nothing machine-specific.
    let args = authentik_args(
        "project/nix/python-overlay.nix",
        &["--allow-missing-hashes"],
    );
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    run_ok(dir.path(), &argv);
    let text = std::fs::read_to_string(dir.path().join("project/nix/python-overlay.nix")).unwrap();
    assert!(text.contains("workspaceRoot ? ./..}"), "{}", &text[..800]);
    assert!(!text.contains(&dir.path().display().to_string()));
    insta::assert_snapshot!("authentik_overlay", text);
}

#[test]
fn missing_git_hash_fails_names_the_source_and_prefetch() {
    let dir = authentik_copy();
    let args = authentik_args("out.nix", &[]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run_in(dir.path(), &argv, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(AUTHENTIK_GIT), "{err}");
    assert!(err.contains("lock2nix prefetch"), "{err}");
    assert!(
        !dir.path().join("out.nix").exists(),
        "nothing written on failure"
    );

    let args = authentik_args("out.nix", &["--allow-missing-hashes"]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    run_ok(dir.path(), &argv);
    let text = std::fs::read_to_string(dir.path().join("out.nix")).unwrap();
    assert!(text.contains("lib.fakeHash"));
    assert!(
        text.contains(&format!("lock2nixMissingHashes = [\"{AUTHENTIK_GIT}\"];")),
        "warning list"
    );
    assert!(text.contains("WARNING: these sources have no known hash"));
}

#[test]
fn sidecar_git_hash_is_used() {
    let dir = authentik_copy();
    let hash = "sha256-R2l0SGFzaEZyb21UaGVTaWRlY2FyRmlsZUFBQUFBQUE=";
    std::fs::write(
        dir.path().join("project/lock2nix-hashes.toml"),
        format!("[git.\"{AUTHENTIK_GIT}\"]\nhash = \"{hash}\"\nfetcher = \"github\"\n"),
    )
    .unwrap();
    let args = authentik_args("out.nix", &[]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    run_ok(dir.path(), &argv);
    let overlay = dir.path().join("out.nix");
    let text = std::fs::read_to_string(&overlay).unwrap();
    assert!(!text.contains("lib.fakeHash") && !text.contains("lock2nixMissingHashes"));
    if !nix_available() {
        return;
    }
    let expr = format!(
        "{}.authentikPython.pkgs.opencontainers.src.args",
        stub_expr("x86_64-linux", Overlay::File(&overlay), None)
    );
    let v = nix_eval_json(&expr).unwrap();
    assert_eq!(v["hash"], hash);
    assert_eq!(v["owner"], "vsoch");
    assert_eq!(v["repo"], "oci-python");
    assert_eq!(v["rev"], "ceb4fcc090851717a3069d78e85ceb1e86c2740c");
}

/// workspaceRoot is right wherever the overlay is written: beside the lock, in a sibling
/// directory, far away, in a directory with spaces, and on stdout.
#[test]
fn workspace_root_points_at_the_lock_directory() {
    if !nix_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("my project");
    copy_tree(&fixture("locks/workspace-mixed"), &project);
    let lock = project.join("uv.lock").display().to_string();
    let want = nix_eval_json(&format!(
        "builtins.path {{ path = {}; name = \"mixed-core-source\"; }}",
        nix_path(&project.join("packages/mixed-core"))
    ))
    .unwrap();
    let outs = [
        project.join("nix/python-overlay.nix"),
        project.join("python-overlay.nix"),
        dir.path().join("elsewhere/deeper/o.nix"),
        dir.path().join("with space/o.nix"),
    ];
    for out in &outs {
        let o = out.display().to_string();
        run_ok(
            dir.path(),
            &[
                "translate",
                "--lock",
                &lock,
                "--python",
                "3.12",
                "--system",
                "x86_64-linux",
                "--out",
                &o,
            ],
        );
        let expr = format!(
            "{}.mixedRootPython.pkgs.mixed-core.src",
            stub_expr("x86_64-linux", Overlay::File(out), None)
        );
        assert_eq!(nix_eval_json(&expr).unwrap(), want, "--out {o}");
    }
    // stdout: relative to the current directory
    let text = run_ok(
        &project.join("packages"),
        &[
            "translate",
            "--lock",
            &lock,
            "--python",
            "3.12",
            "--system",
            "x86_64-linux",
            "--out",
            "-",
        ],
    );
    let o = project.join("packages/from-stdout.nix");
    std::fs::write(&o, text).unwrap();
    let expr = format!(
        "{}.mixedRootPython.pkgs.mixed-core.src",
        stub_expr("x86_64-linux", Overlay::File(&o), None)
    );
    assert_eq!(nix_eval_json(&expr).unwrap(), want, "--out -");
}
