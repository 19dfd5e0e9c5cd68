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

use crate::error::{Error, Result};
use crate::index::{Entry, Index, IndexMeta, IndexSource, PythonVersion, Scope};

/// The Nix expression, embedded so the installed tool does not depend on the repository.
pub const INDEX_NIX: &str = include_str!("../../../nix/index.nix");

/// Options for [`index_from_nix_with`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NixEvalOptions {
    /// When a package has no `disabled` attribute (older nixpkgs), force its `outPath` to learn whether it
    /// throws. Slow on a full nixpkgs (it instantiates every derivation); off by default. Current nixpkgs
    /// keeps `disabled` as an attribute, which is always read.
    pub check_out_path: bool,
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
    let (cmd, command_text) = if is_flake_ref(nixpkgs) {
        let expr = format!(
            "import {} {{ nixpkgs = builtins.getFlake {}; python = {}; checkOutPath = {check}; }}",
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
    for (attr, p) in packages {
        let o = p
            .as_object()
            .ok_or_else(|| bad(format!("packages.{attr} is not an object")))?;
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
            features: Default::default(),
        });
    }
    Ok(index)
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

    #[test]
    fn output_for_another_python_is_rejected() {
        let json = r#"{"meta":{"python":"3.12","nixpkgs":null},"packages":{}}"#;
        let err =
            parse_eval_output(json, PythonVersion::new(3, 13), "nix-instantiate").unwrap_err();
        assert!(err.to_string().contains("Python 3.12"), "{err}");
    }
}
