//! The public tool lookups with the real environment.

use lock2nix_testkit::{python3_with_packaging, require_tool, SKIP_NIX_ENV};

#[test]
fn missing_tool_panics_or_skips_by_the_env_var() {
    let skipping = std::env::var(SKIP_NIX_ENV).as_deref() == Ok("1");
    let result = std::panic::catch_unwind(|| require_tool("lock2nix-no-such-tool-xyz"));
    if skipping {
        assert_eq!(result.ok(), Some(None));
    } else {
        let err = result.expect_err("a missing tool must fail the test when not skipping");
        let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(
            msg.contains("lock2nix-no-such-tool-xyz") && msg.contains(SKIP_NIX_ENV),
            "{msg}"
        );
    }
}

#[test]
fn python_with_packaging_really_imports_packaging() {
    let Some(py) = python3_with_packaging() else {
        return;
    };
    let out = std::process::Command::new(py)
        .args([
            "-c",
            "import packaging.version as v; print(v.Version('1.0.post1') > v.Version('1.0'))",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "True");
}
