//! Running `nix-instantiate` and building expressions over the nixpkgs stub.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::paths::stub_dir;
use crate::tools::find_in_path;

/// Why a Nix evaluation or parse failed.
#[derive(Debug, thiserror::Error)]
pub enum NixError {
    /// `nix-instantiate` is not on PATH.
    #[error("nix-instantiate not found on PATH (install Nix, e.g. `apt-get install nix-bin`)")]
    ToolMissing,
    /// The private state directory could not be created.
    #[error("cannot create a temporary Nix state directory: {0}")]
    TempDir(#[source] std::io::Error),
    /// The process could not be started.
    #[error("cannot run {program}: {source}")]
    Spawn {
        /// The program that was run.
        program: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Nix ran and reported an error (evaluation or parse failure).
    #[error("nix-instantiate {args} failed ({status}):\n{stderr}")]
    Failed {
        /// The arguments, space-separated, for the message.
        args: String,
        /// The exit status, as text.
        status: String,
        /// Nix's stderr: the error message with its trace.
        stderr: String,
    },
    /// Nix succeeded but its output is not JSON.
    #[error("nix-instantiate printed output that is not JSON ({source}): {stdout}")]
    BadJson {
        /// The parse error.
        #[source]
        source: serde_json::Error,
        /// What was printed.
        stdout: String,
    },
}

impl NixError {
    /// Nix's stderr when the evaluation failed, for asserting on error messages.
    pub fn stderr(&self) -> Option<&str> {
        match self {
            NixError::Failed { stderr, .. } => Some(stderr),
            _ => None,
        }
    }
}

/// A `--arg` (a Nix expression) or `--argstr` (a string) for [`nix_eval_file_json`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NixArg {
    /// `--arg NAME EXPR`.
    Expr(String, String),
    /// `--argstr NAME VALUE`.
    Str(String, String),
}

fn run_instantiate(args: &[String]) -> Result<Output, NixError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let program = find_in_path("nix-instantiate", &path).ok_or(NixError::ToolMissing)?;
    // A private state dir and HOME per call: works as any user, in parallel, and never touches
    // the real /nix/var. --readonly-mode keeps `builtins.path` & co from writing to the store.
    let tmp = tempfile::Builder::new()
        .prefix("lock2nix-nix-")
        .tempdir()
        .map_err(NixError::TempDir)?;
    let state = tmp.path().join("state");
    let out = Command::new(&program)
        .args(args)
        .env_remove("NIX_PATH")
        .env("NIX_STATE_DIR", &state)
        .env("NIX_LOG_DIR", state.join("log"))
        .env("HOME", tmp.path())
        .env("XDG_CACHE_HOME", tmp.path().join("cache"))
        .env("XDG_CONFIG_HOME", tmp.path().join("config"))
        .env("NIX_CONF_DIR", tmp.path())
        .output()
        .map_err(|source| NixError::Spawn {
            program: program.clone(),
            source,
        })?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(NixError::Failed {
            args: args.join(" "),
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }
}

fn eval_args() -> Vec<String> {
    ["--eval", "--strict", "--json", "--readonly-mode"]
        .into_iter()
        .map(String::from)
        .collect()
}

fn parse_json(out: Output) -> Result<serde_json::Value, NixError> {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    serde_json::from_str(&stdout).map_err(|source| NixError::BadJson { source, stdout })
}

/// Evaluates `expr` with `nix-instantiate --eval --strict --json` and parses the JSON.
///
/// Derivations print as their `outPath`; select into them (`.drvArgs`, `.src.args`) to see more.
pub fn nix_eval_json(expr: &str) -> Result<serde_json::Value, NixError> {
    let mut args = eval_args();
    args.push("-E".into());
    args.push(expr.into());
    parse_json(run_instantiate(&args)?)
}

/// Evaluates the file at `path` (optionally the attribute path `attr` in it, `-A`), calling it
/// with `args` when it is a function, and parses the JSON.
pub fn nix_eval_file_json(
    path: &Path,
    attr: Option<&str>,
    args: &[NixArg],
) -> Result<serde_json::Value, NixError> {
    let mut cmd = eval_args();
    for a in args {
        match a {
            NixArg::Expr(n, v) => cmd.extend(["--arg".into(), n.clone(), v.clone()]),
            NixArg::Str(n, v) => cmd.extend(["--argstr".into(), n.clone(), v.clone()]),
        }
    }
    if let Some(attr) = attr {
        cmd.extend(["-A".into(), attr.into()]);
    }
    cmd.push(path.display().to_string());
    parse_json(run_instantiate(&cmd)?)
}

/// Checks that the file at `path` parses (`nix-instantiate --parse`).
pub fn nix_parse(path: &Path) -> Result<(), NixError> {
    run_instantiate(&["--parse".into(), path.display().to_string()]).map(|_| ())
}

/// A Nix string literal for `s` (escapes `\`, `"`, `${` and control characters).
pub fn nix_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Nix path expression for an absolute filesystem path, robust to spaces and odd characters:
/// `(/. + "/abs/path")`. Relative paths are made absolute against the current directory.
pub fn nix_path(p: &Path) -> String {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    format!("(/. + {})", nix_str(&abs.display().to_string()))
}

/// The nixpkgs stub's `index` argument for `index` (a JSON list, see
/// `fixtures/nixpkgs-stub/default.nix`): one object per entry with `attr`, `pname`, `version`
/// (null when nixpkgs writes it as an expression: a family member then gets its parent's),
/// `scope` (`python`/`top-level`), `broken`, `disabled`, `failed`, and `features`, which is null
/// when the index knows none of the recipe's features (the stub then makes a plain recipe) and
/// otherwise has every [`lock2nix_nixpkgs::RecipeFeatures`] field in camelCase (null = unknown).
/// Missing names are left out.
pub fn index_json(index: &lock2nix_nixpkgs::Index) -> serde_json::Value {
    use serde_json::json;
    let rows: Vec<serde_json::Value> = index
        .iter()
        .map(|e| {
            let f = &e.features;
            let features = f.known().then(|| {
                json!({
                    "srcFetcher": f.src_fetcher.as_ref().map(|x| x.as_str()),
                    "rustVendor": f.rust_vendor,
                    "patches": f.patches,
                    "sourceRoot": f.source_root,
                    "substitutions": f.substitutions,
                    "customCheck": f.custom_check,
                    "runsTests": f.runs_tests,
                    "evalAssert": f.eval_assert,
                    "family": f.family,
                    "familyPassthru": f.family_passthru,
                    "format": f.format.map(|x| x.as_str()),
                    "nativeBuildInputs": f.native_build_inputs,
                    "buildInputs": f.build_inputs,
                })
            });
            json!({
                "attr": e.attr,
                "pname": e.pname,
                "version": e.version,
                "scope": e.scope.as_str(),
                "broken": e.broken.unwrap_or(false),
                "disabled": e.disabled.unwrap_or(false),
                "failed": e.failed,
                "features": features,
            })
        })
        .collect();
    serde_json::Value::Array(rows)
}

/// Writes [`index_json`] of `index` to `path` (for [`stub_expr`]'s `index_json` argument).
pub fn write_index_json(index: &lock2nix_nixpkgs::Index, path: &Path) -> std::io::Result<()> {
    std::fs::write(path, index_json(index).to_string())
}

/// The overlay to apply in [`stub_expr`].
#[derive(Debug, Clone, Copy)]
pub enum Overlay<'a> {
    /// No overlay.
    None,
    /// A file to `import` (a generated `python-overlay.nix`, usable directly as an overlay).
    File(&'a Path),
    /// A Nix expression evaluating to an overlay (`final: prev: { ... }`).
    Expr(&'a str),
}

/// The expression importing the nixpkgs stub for `system` with `overlay` applied and the index
/// read from `index_json` (a JSON list of `{ attr; pname; version; broken?; features?; ... }`, as
/// [`write_index_json`] writes), parenthesised so tests can select into it:
/// `format!("{}.python313.pkgs.foo.version", stub_expr(..))`.
pub fn stub_expr(system: &str, overlay: Overlay<'_>, index_json: Option<&Path>) -> String {
    let overlays = match overlay {
        Overlay::None => "[ ]".to_string(),
        Overlay::File(p) => format!("[ (import {}) ]", nix_path(p)),
        Overlay::Expr(e) => format!("[ ({e}) ]"),
    };
    let index = match index_json {
        None => "[ ]".to_string(),
        Some(p) => format!("(builtins.fromJSON (builtins.readFile {}))", nix_path(p)),
    };
    format!(
        "(import {} {{ system = {}; overlays = {overlays}; index = {index}; }})",
        nix_path(&stub_dir()),
        nix_str(system)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nix_str_escapes() {
        assert_eq!(nix_str("a\"b\\c${d}$e\n"), r#""a\"b\\c\${d}$e\n""#);
    }

    #[test]
    fn stub_expr_shape() {
        let e = stub_expr(
            "aarch64-linux",
            Overlay::Expr("final: prev: { }"),
            Some(Path::new("/tmp/x y/index.json")),
        );
        assert!(e.starts_with("(import (/. + \""), "{e}");
        assert!(e.contains("system = \"aarch64-linux\""), "{e}");
        assert!(e.contains("overlays = [ (final: prev: { }) ]"), "{e}");
        assert!(e.contains("(/. + \"/tmp/x y/index.json\")"), "{e}");
    }
}
