//! Building an [`Index`] by evaluating `nix/index.nix` with Nix.
//!
//! * A path (or `<nixpkgs>`) is evaluated with `nix-instantiate --eval --strict --json`.
//! * A flake reference (anything with a `:` that is not a path, e.g. `github:NixOS/nixpkgs/<rev>`) is
//!   evaluated with `nix eval --json --impure --expr` and `builtins.getFlake`, enabling the
//!   `nix-command flakes` experimental features for that one command. Fetching a `github:` flake needs
//!   network access; the Debian Nix 2.8 on the build machines has none, so there only local flakes
//!   (`path:/...`) work.
//!
//! The expression is embedded ([`INDEX_NIX`]) and written to a temporary file for each run, so the installed
//! tool does not depend on the repository.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::features::{RecipeFeatures, RecipeFormat, SrcFetcher};
use crate::index::{normalize_name, Entry, Index, IndexMeta, IndexSource, PythonVersion, Scope};

/// The Nix expression, embedded so the installed tool does not depend on the repository.
pub const INDEX_NIX: &str = include_str!("../../../nix/index.nix");

/// Options for [`index_from_nix_with`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NixEvalOptions {
    /// When a package has no `disabled` attribute (older nixpkgs), force its `outPath` to learn whether it
    /// throws. Slow on a full nixpkgs (it instantiates every derivation); off by default. Current nixpkgs
    /// keeps `disabled` as an attribute, which is always read.
    pub check_out_path: bool,
    /// Do not probe for evaluation-time asserts (`eval_assert` stays unknown). The probe
    /// overrides each package's version and forces its derivation attributes one level deep;
    /// `builtins.tryEval` catches a `throw` or `assert` there but not every evaluation error, so
    /// a nixpkgs with a recipe that fails otherwise on another version needs this.
    pub skip_assert_probe: bool,
}

/// Evaluates `nixpkgs` (a path, `<nixpkgs>`, or a flake reference) for `python` with default options.
pub fn index_from_nix(nixpkgs: &str, python: PythonVersion) -> Result<Index> {
    index_from_nix_with(nixpkgs, python, &NixEvalOptions::default())
}

fn is_flake_ref(s: &str) -> bool {
    !(s.starts_with('/') || s.starts_with('.') || s.starts_with('~') || s.starts_with('<'))
        && s.contains(':')
}

/// Quotes a string as a Nix string literal.
fn nix_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn shorten(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        s.to_string()
    } else {
        let tail: String = s.chars().skip(n - max).collect();
        format!("...{tail}")
    }
}

fn run(mut cmd: Command) -> Result<String> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let command = std::iter::once(program.clone())
        .chain(cmd.get_args().map(|a| a.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ");
    let out = cmd
        .output()
        .map_err(|source| Error::NixSpawn { program, source })?;
    if !out.status.success() {
        return Err(Error::NixFailed {
            command,
            status: out.status.to_string(),
            stderr: shorten(String::from_utf8_lossy(&out.stderr).trim(), 4000),
        });
    }
    String::from_utf8(out.stdout).map_err(|e| Error::NixOutput {
        command,
        detail: format!("not UTF-8: {e}"),
    })
}

/// Evaluates `nixpkgs` with explicit options.
pub fn index_from_nix_with(
    nixpkgs: &str,
    python: PythonVersion,
    options: &NixEvalOptions,
) -> Result<Index> {
    let dir = tempfile::Builder::new()
        .prefix("lock2nix-index-")
        .tempdir()
        .map_err(|source| Error::Write {
            path: std::env::temp_dir(),
            source,
        })?;
    let file = dir.path().join("index.nix");
    std::fs::write(&file, INDEX_NIX).map_err(|source| Error::Write {
        path: file.clone(),
        source,
    })?;
    let check = if options.check_out_path {
        "true"
    } else {
        "false"
    };
    let probe = if options.skip_assert_probe {
        "false"
    } else {
        "true"
    };
    let (cmd, command_text) = if is_flake_ref(nixpkgs) {
        let expr = format!(
            "import {} {{ nixpkgs = builtins.getFlake {}; python = {}; checkOutPath = {check}; probeAsserts = {probe}; }}",
            nix_string(&file.to_string_lossy()),
            nix_string(nixpkgs),
            nix_string(&python.nix_attr()),
        );
        let mut cmd = Command::new("nix");
        cmd.args([
            "--extra-experimental-features",
            "nix-command flakes",
            "eval",
            "--json",
            "--impure",
            "--expr",
            &expr,
        ]);
        (cmd, "nix eval")
    } else {
        let mut cmd = Command::new("nix-instantiate");
        cmd.args(["--eval", "--strict", "--json"]).arg(&file);
        if nixpkgs.starts_with('<') && nixpkgs.ends_with('>') {
            cmd.args(["--arg", "nixpkgs", nixpkgs]);
        } else {
            let p = Path::new(nixpkgs);
            let abs = p.canonicalize().map_err(|source| Error::Read {
                path: p.to_path_buf(),
                source,
            })?;
            cmd.arg("--argstr").arg("nixpkgs").arg(abs);
        }
        cmd.args(["--argstr", "python", &python.nix_attr()]);
        cmd.args(["--arg", "checkOutPath", check]);
        cmd.args(["--arg", "probeAsserts", probe]);
        (cmd, "nix-instantiate")
    };
    let stdout = run(cmd)?;
    parse_eval_output(&stdout, python, command_text)
}

/// Turns the JSON printed by `nix/index.nix` into an [`Index`].
pub fn parse_eval_output(json: &str, python: PythonVersion, command: &str) -> Result<Index> {
    let bad = |detail: String| Error::NixOutput {
        command: command.to_string(),
        detail,
    };
    let v: Value = serde_json::from_str(json).map_err(|e| bad(format!("not JSON: {e}")))?;
    let meta = v.get("meta").and_then(Value::as_object);
    let packages = v
        .get("packages")
        .and_then(Value::as_object)
        .ok_or_else(|| bad("no `packages` object".to_string()))?;
    let s = |o: Option<&Value>| o.and_then(Value::as_str).map(str::to_string);
    let mut nixpkgs = s(meta.and_then(|m| m.get("nixpkgs")));
    if nixpkgs.is_none() {
        nixpkgs = s(meta.and_then(|m| m.get("nixpkgsVersion"))).map(|v| format!("version-{v}"));
    }
    let evaluated_python = s(meta.and_then(|m| m.get("python")));
    if let Some(p) = &evaluated_python {
        if p != &python.to_string() {
            return Err(bad(format!(
                "asked for Python {python}, the package set is for Python {p}"
            )));
        }
    }
    let mut index = Index::new(IndexMeta {
        python: Some(python),
        nixpkgs,
        source: IndexSource::Eval,
    });
    let mut members: Vec<Member> = Vec::new();
    for (attr, p) in packages {
        let o = p
            .as_object()
            .ok_or_else(|| bad(format!("packages.{attr} is not an object")))?;
        if let Some(f) = o.get("family").and_then(Value::as_object) {
            let names = |k: &str| -> Vec<String> {
                f.get(k)
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let children: Vec<(String, String)> = f
                .get("children")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|c| Some((s(c.get("name"))?, s(c.get("drv"))?)))
                        .collect()
                })
                .unwrap_or_default();
            if let (Some(drv), Some(src)) = (s(f.get("drvName")), s(f.get("srcOutPath"))) {
                members.push(Member {
                    attr: attr.clone(),
                    pname: s(o.get("pname")).unwrap_or_else(|| attr.clone()),
                    drv,
                    src,
                    children,
                    deps: names("deps"),
                    source_root: f
                        .get("sourceRoot")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                });
            }
        }
        let b = |k: &str| o.get(k).and_then(Value::as_bool);
        let failed = b("failed").unwrap_or(false);
        let version = s(o.get("version"));
        let mut note = s(o.get("note"));
        if version.is_none() && !failed && note.is_none() {
            note = Some("no version attribute".to_string());
        }
        index.insert(Entry {
            attr: attr.clone(),
            scope: Scope::PythonPackages,
            pname: s(o.get("pname")).unwrap_or_else(|| attr.clone()),
            version,
            version_expr: None,
            broken: b("broken"),
            disabled: b("disabled"),
            failed,
            pypi_name: None,
            nixpkgs_commit: None,
            note,
            features: o.get("features").map(features_of).unwrap_or_default(),
        });
    }
    for (attr, parent, passthru) in families(&members) {
        if let Some(e) = index.get_in(&attr, Scope::PythonPackages) {
            let mut e = e.clone();
            e.features.family = Some(parent);
            e.features.family_passthru = passthru;
            index.insert(e);
        }
    }
    Ok(index)
}

/// The `features` object `nix/index.nix` prints for a package.
fn features_of(v: &Value) -> RecipeFeatures {
    let b = |k: &str| v.get(k).and_then(Value::as_bool);
    let list = |k: &str| -> Option<Vec<String>> {
        let a = v.get(k)?.as_array()?;
        a.iter().map(|x| x.as_str().map(str::to_string)).collect()
    };
    RecipeFeatures {
        src_fetcher: v
            .get("srcFetcher")
            .and_then(Value::as_str)
            .map(SrcFetcher::parse),
        rust_vendor: b("rustVendor"),
        patches: b("patches"),
        source_root: b("sourceRoot"),
        substitutions: b("substitutions"),
        custom_check: b("customCheck"),
        runs_tests: b("runsTests"),
        eval_assert: b("evalAssert"),
        family: None,
        family_passthru: None,
        format: v
            .get("format")
            .and_then(Value::as_str)
            .and_then(RecipeFormat::parse),
        native_build_inputs: list("nativeBuildInputs"),
        build_inputs: list("buildInputs"),
    }
}

/// One evaluated package's family material (see `nix/index.nix`).
#[derive(Debug, Clone)]
struct Member {
    attr: String,
    pname: String,
    drv: String,
    src: String,
    /// (passthru attribute, derivation name) of the Python modules in `passthru`.
    children: Vec<(String, String)>,
    deps: Vec<String>,
    source_root: bool,
}

/// Families: distinct derivations (by name; aliases share one) built from one `src` store path.
/// Each family's parent is, in this order: the member that exposes others as passthru attributes
/// (`psycopg.c`); the only member without `sourceRoot` (`ua-parser`, whose siblings build a
/// sub-directory); the member the others depend on most (`opentelemetry-api`); the first by
/// attribute. The parent is named by its attribute whose name is its normalised pname (else the
/// first). Returns (attribute, parent attribute, the parent's passthru attribute that is this
/// member, if any) for every other member's attributes, sorted.
fn families(members: &[Member]) -> Vec<(String, String, Option<String>)> {
    let mut by_src: BTreeMap<&str, BTreeMap<&str, Vec<&Member>>> = BTreeMap::new();
    for m in members {
        by_src
            .entry(m.src.as_str())
            .or_default()
            .entry(m.drv.as_str())
            .or_default()
            .push(m);
    }
    let mut out = Vec::new();
    for drvs in by_src.values() {
        if drvs.len() < 2 {
            continue;
        }
        let names: Vec<&str> = drvs.keys().copied().collect();
        let first = |d: &str| drvs[d].first().map(|m| m.attr.clone()).unwrap_or_default();
        let exposes = |d: &str| {
            drvs[d]
                .first()
                .map(|m| {
                    m.children
                        .iter()
                        .filter(|(_, c)| names.contains(&c.as_str()))
                        .count()
                })
                .unwrap_or(0)
        };
        let without_root: Vec<&str> = names
            .iter()
            .copied()
            .filter(|d| drvs[*d].iter().all(|m| !m.source_root))
            .collect();
        let dependents = |d: &str| {
            names
                .iter()
                .filter(|o| **o != d && drvs[**o].iter().any(|m| m.deps.iter().any(|x| x == d)))
                .count()
        };
        let pick_max = |score: &dyn Fn(&str) -> usize| -> Option<&str> {
            let best = names.iter().map(|d| score(d)).max().unwrap_or(0);
            (best > 0)
                .then(|| {
                    names
                        .iter()
                        .copied()
                        .filter(|d| score(d) == best)
                        .min_by_key(|d| first(d))
                })
                .flatten()
        };
        let parent = pick_max(&exposes)
            .or_else(|| (without_root.len() == 1).then(|| without_root[0]))
            .or_else(|| pick_max(&dependents))
            .or_else(|| names.iter().copied().min_by_key(|d| first(d)));
        let Some(parent) = parent else { continue };
        let parent_attr = drvs[parent]
            .iter()
            .find(|m| normalize_name(&m.attr) == normalize_name(&m.pname))
            .or_else(|| drvs[parent].first())
            .map(|m| m.attr.clone())
            .unwrap_or_default();
        let passthru_of = |d: &str| {
            drvs[parent]
                .iter()
                .flat_map(|m| m.children.iter())
                .filter(|(_, c)| c == d)
                .map(|(n, _)| n.clone())
                .min()
        };
        for d in names.iter().filter(|d| **d != parent) {
            for m in &drvs[*d] {
                out.push((m.attr.clone(), parent_attr.clone(), passthru_of(d)));
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flake_refs_are_told_apart_from_paths() {
        assert!(is_flake_ref("github:NixOS/nixpkgs/abc"));
        assert!(is_flake_ref("path:/x"));
        assert!(!is_flake_ref("/nix/store/x-source"));
        assert!(!is_flake_ref("./nixpkgs"));
        assert!(!is_flake_ref("<nixpkgs>"));
    }

    #[test]
    fn nix_strings_are_escaped() {
        assert_eq!(nix_string(r#"a"b\c${d}"#), r#""a\"b\\c\${d}""#);
    }

    fn member(attr: &str, drv: &str, src: &str) -> Member {
        Member {
            attr: attr.into(),
            pname: attr.into(),
            drv: drv.into(),
            src: src.into(),
            children: vec![],
            deps: vec![],
            source_root: false,
        }
    }

    #[test]
    fn families_pick_the_parent_like_the_recipes_say() {
        // passthru children: psycopg exposes psycopg-c
        let mut psycopg = member("psycopg", "psycopg-3", "/s/psycopg");
        psycopg.children = vec![("c".into(), "psycopg-c-3".into())];
        let c = member("psycopg-c", "psycopg-c-3", "/s/psycopg");
        // sub-directories of one repository: the others depend on the api
        let mut api = member("opentelemetry-api", "otel-api-1", "/s/otel");
        api.source_root = true;
        let mut sdk = member("opentelemetry-sdk", "otel-sdk-1", "/s/otel");
        sdk.source_root = true;
        sdk.deps = vec!["otel-api-1".into()];
        // the only member without sourceRoot, even though it depends on the other
        let mut ua = member("ua-parser", "ua-parser-1", "/s/ua");
        ua.deps = vec!["ua-builtins-1".into()];
        let mut builtins = member("ua-parser-builtins", "ua-builtins-1", "/s/ua");
        builtins.source_root = true;
        // aliases share a derivation: not a family
        let d5 = member("django_5", "django-5", "/s/django");
        let mut d = member("django", "django-5", "/s/django");
        d.pname = "django".into();
        let got = families(&[psycopg, c, api, sdk, ua, builtins, d5, d]);
        assert_eq!(
            got,
            vec![
                ("opentelemetry-sdk".into(), "opentelemetry-api".into(), None),
                ("psycopg-c".into(), "psycopg".into(), Some("c".into())),
                ("ua-parser-builtins".into(), "ua-parser".into(), None),
            ]
        );
    }

    #[test]
    fn output_for_another_python_is_rejected() {
        let json = r#"{"meta":{"python":"3.12","nixpkgs":null},"packages":{}}"#;
        let err =
            parse_eval_output(json, PythonVersion::new(3, 13), "nix-instantiate").unwrap_err();
        assert!(err.to_string().contains("Python 3.12"), "{err}");
    }
}
