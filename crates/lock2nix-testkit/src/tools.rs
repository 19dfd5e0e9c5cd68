//! Finding external tools, with the project's skip rule.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Set to `1` to skip (instead of fail) tests whose Nix tools are missing.
pub const SKIP_NIX_ENV: &str = "LOCK2NIX_SKIP_NIX_TESTS";
/// Set to `1` to skip (instead of fail) tests that need Python with `packaging`.
pub const SKIP_PY_ENV: &str = "LOCK2NIX_SKIP_PY_TESTS";

/// A required tool is missing and skipping was not allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("required tool `{tool}` is not available: {reason}. {hint} (or set {skip_var}=1 to skip these tests)")]
pub struct ToolMissing {
    /// The tool's name.
    pub tool: String,
    /// What was wrong (not on PATH, or a check failed).
    pub reason: String,
    /// How to install it.
    pub hint: String,
    /// The environment variable that would turn the failure into a skip.
    pub skip_var: String,
}

fn skip_enabled(var: &str) -> bool {
    std::env::var(var).map(|v| v == "1").unwrap_or(false)
}

/// Finds `name` as an executable file in the directories of `path_var` (a `PATH` value).
pub fn find_in_path(name: &str, path_var: &OsStr) -> Option<PathBuf> {
    if name.contains('/') {
        let p = PathBuf::from(name);
        return is_executable(&p).then_some(p);
    }
    std::env::split_paths(path_var)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The decision behind [`require_tool`], without reading the environment: `Ok(Some(path))` when
/// found, `Ok(None)` when missing and `skip` is true, `Err` when missing and skipping is not
/// allowed.
pub fn resolve_tool(
    name: &str,
    path_var: &OsStr,
    skip: bool,
    skip_var: &str,
) -> Result<Option<PathBuf>, ToolMissing> {
    match find_in_path(name, path_var) {
        Some(p) => Ok(Some(p)),
        None if skip => Ok(None),
        None => Err(ToolMissing {
            tool: name.to_string(),
            reason: "not found on PATH".to_string(),
            hint: install_hint(name),
            skip_var: skip_var.to_string(),
        }),
    }
}

fn install_hint(name: &str) -> String {
    if name.starts_with("nix") {
        "Install Nix's command-line tools, e.g. `apt-get install nix-bin` on Debian".to_string()
    } else if name.starts_with("python") {
        "Install Python 3 and `pip install packaging`".to_string()
    } else {
        format!("Install `{name}` and put it on PATH")
    }
}

fn skip_line(tool: &str, var: &str) {
    eprintln!("SKIPPED: `{tool}` is not available and {var}=1 is set; skipping this test");
}

/// Returns the path of a required Nix-side tool (`nix-instantiate`, `nix-hash`, …).
///
/// When it is missing: with `LOCK2NIX_SKIP_NIX_TESTS=1` prints a skip line and returns `None`;
/// otherwise panics telling how to install it, so the test fails instead of passing silently.
pub fn require_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    match resolve_tool(name, &path, skip_enabled(SKIP_NIX_ENV), SKIP_NIX_ENV) {
        Ok(Some(p)) => Some(p),
        Ok(None) => {
            skip_line(name, SKIP_NIX_ENV);
            None
        }
        Err(e) => panic!("{e}"),
    }
}

/// Returns a `python3` that can `import packaging`, under the same rule with
/// `LOCK2NIX_SKIP_PY_TESTS`.
pub fn python3_with_packaging() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let skip = skip_enabled(SKIP_PY_ENV);
    match check_python(&path, skip) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

fn check_python(path_var: &OsStr, skip: bool) -> Result<Option<PathBuf>, ToolMissing> {
    let Some(py) = resolve_tool("python3", path_var, skip, SKIP_PY_ENV)? else {
        skip_line("python3", SKIP_PY_ENV);
        return Ok(None);
    };
    let ok = Command::new(&py)
        .args([
            "-c",
            "import packaging.version, packaging.specifiers, packaging.markers",
        ])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if ok {
        Ok(Some(py))
    } else if skip {
        skip_line("python3 with packaging", SKIP_PY_ENV);
        Ok(None)
    } else {
        Err(ToolMissing {
            tool: "python3 (with packaging)".to_string(),
            reason: format!("{} cannot `import packaging`", py.display()),
            hint: "Run `pip install packaging`".to_string(),
            skip_var: SKIP_PY_ENV.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_tool_is_an_error_unless_skipping() {
        let empty = tempfile::tempdir().unwrap();
        let path = empty.path().as_os_str();
        let err = resolve_tool("nix-instantiate", path, false, SKIP_NIX_ENV).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("nix-instantiate"), "{msg}");
        assert!(msg.contains("apt-get install nix-bin"), "{msg}");
        assert!(msg.contains("LOCK2NIX_SKIP_NIX_TESTS=1"), "{msg}");
        assert_eq!(
            resolve_tool("nix-instantiate", path, true, SKIP_NIX_ENV),
            Ok(None)
        );
    }

    #[test]
    fn finds_an_executable_and_ignores_a_plain_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("mytool");
        std::fs::write(&exe, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        let plain = dir.path().join("notexec");
        std::fs::write(&plain, "").unwrap();
        let path = std::env::join_paths([PathBuf::from("/nonexistent"), dir.path().to_path_buf()])
            .unwrap();
        assert_eq!(
            resolve_tool("mytool", &path, false, SKIP_NIX_ENV),
            Ok(Some(exe))
        );
        assert!(resolve_tool("notexec", &path, false, SKIP_NIX_ENV).is_err());
        // Found tools are returned even when skipping is allowed.
        assert!(matches!(
            resolve_tool("mytool", &path, true, SKIP_NIX_ENV),
            Ok(Some(_))
        ));
    }

    #[test]
    fn python_without_packaging_fails_or_skips() {
        use std::os::unix::fs::PermissionsExt;
        // A fake python3 whose `import packaging` fails.
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("python3");
        std::fs::write(&fake, "#!/bin/sh\nexit 1\n").unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = dir.path().as_os_str();
        let err = check_python(path, false).unwrap_err();
        assert!(err.to_string().contains("pip install packaging"), "{err}");
        assert_eq!(check_python(path, true), Ok(None));
    }
}
