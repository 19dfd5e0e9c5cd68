//! Configuration errors as the CLI reports them.

use std::process::Command;

use lock2nix_testkit::repo_root;

fn run(dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lock2nix"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn project(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = repo_root().join("fixtures/locks/workspace-mixed");
    std::fs::copy(src.join("uv.lock"), dir.path().join("uv.lock")).unwrap();
    std::fs::write(dir.path().join("lock2nix.toml"), config).unwrap();
    dir
}

#[test]
fn unknown_key_names_the_line_and_the_closest_key() {
    let dir = project("[target]\nsystem = [\"x86_64-linux\"]\n");
    let (code, err) = run(dir.path(), &["plan"]);
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "lock2nix.toml:2:1: at `target.system`: unknown key `system`; did you mean `systems`?"
        ),
        "{err}"
    );
}

#[test]
fn wrong_type_is_reported_with_its_position() {
    let dir = project("[nixpkgs]\npolicy = 3\n");
    let (code, err) = run(dir.path(), &["plan"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("lock2nix.toml:2:10: at `nixpkgs.policy`: expected a string, found integer"),
        "{err}"
    );
}

#[test]
fn an_override_for_a_package_not_in_the_lock_is_an_error() {
    let dir = project("[packages.lxml]\nbuild-inputs = [\"libxml2\"]\n");
    let (code, err) = run(dir.path(), &["translate", "--out", "-"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("[packages.lxml] configures a package that is not in"),
        "{err}"
    );
}

#[test]
fn config_settings_reach_the_overlay() {
    let dir = project(
        "[target]\nsystems = [\"x86_64-linux\"]\npython = \"3.12\"\nextras = [\"cli\"]\n\n[packages.click]\nbuild-inputs = [\"zlib\"]\ndo-check = false\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_lock2nix"))
        .current_dir(dir.path())
        .args(["translate", "--out", "-"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("target: CPython 3.12 (3.12.12); systems: x86_64-linux;"),
        "{text}"
    );
    assert!(text.contains("extras: cli"));
    let click = text.split("click = ").nth(1).unwrap();
    let click = &click[..click.find("\n      };\n").unwrap()];
    assert!(
        click.contains("buildInputs = [final.zlib];") && click.contains("doCheck = false;"),
        "{click}"
    );
    // the header records the configuration's hash, so `check` notices edits
    let (code, _) = run(dir.path(), &["translate"]);
    assert_eq!(code, 0);
    let (code, _) = run(dir.path(), &["check"]);
    assert_eq!(code, 0);
    let cfg = dir.path().join("lock2nix.toml");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str("do-check = true\n");
    std::fs::write(&cfg, text.replace("do-check = false\n", "")).unwrap();
    let (code, err) = run(dir.path(), &["check"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("is stale") && err.contains("the configuration changed"),
        "{err}"
    );
}

/// Every input that shapes the overlay is in its header, and `check` compares each: the
/// prefetch sidecar, the nixpkgs index and the lock2nix version too, not only the lock and the
/// configuration.
#[test]
fn check_notices_every_input_that_changes_the_overlay() {
    let dir = project("[target]\nsystems = [\"x86_64-linux\"]\n[nixpkgs]\nindex = \"index.tsv\"\n");
    let index = repo_root().join("fixtures/nixpkgs-index/authentik-subset.tsv");
    std::fs::copy(&index, dir.path().join("index.tsv")).unwrap();
    let (code, err) = run(dir.path(), &["translate", "--allow-missing-hashes"]);
    assert_eq!(code, 0, "{err}");
    let (code, err) = run(dir.path(), &["check"]);
    assert_eq!(code, 0, "{err}");
    let overlay = dir.path().join("nix/python-overlay.nix");
    let header: String = std::fs::read_to_string(&overlay)
        .unwrap()
        .lines()
        .take(6)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        header.contains("# lock2nix-hashes.toml sha256: none"),
        "{header}"
    );
    assert!(
        header.contains("# nixpkgs index: index.tsv sha256 "),
        "{header}"
    );

    // a sidecar appears (prefetch ran): its facts can change build systems and hashes
    std::fs::write(dir.path().join("lock2nix-hashes.toml"), "version = 1\n").unwrap();
    let (code, err) = run(dir.path(), &["check"]);
    assert_eq!(code, 1);
    assert!(err.contains("the prefetch sidecar changed"), "{err}");
    let (code, _) = run(dir.path(), &["translate", "--allow-missing-hashes"]);
    assert_eq!(code, 0);
    let (code, err) = run(dir.path(), &["check"]);
    assert_eq!(code, 0, "{err}");

    // the index is refreshed
    let mut text = std::fs::read_to_string(dir.path().join("index.tsv")).unwrap();
    text.push('\n');
    std::fs::write(dir.path().join("index.tsv"), text).unwrap();
    let (code, err) = run(dir.path(), &["check"]);
    assert_eq!(code, 1);
    assert!(err.contains("the nixpkgs index changed"), "{err}");
    let (code, _) = run(dir.path(), &["translate", "--allow-missing-hashes"]);
    assert_eq!(code, 0);

    // written by another lock2nix
    let text = std::fs::read_to_string(&overlay).unwrap();
    let older = text.replacen(
        &format!("by lock2nix {}.", env!("CARGO_PKG_VERSION")),
        "by lock2nix 0.0.1.",
        1,
    );
    assert_ne!(older, text);
    std::fs::write(&overlay, older).unwrap();
    let (code, err) = run(dir.path(), &["check"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("lock2nix changed (the overlay was written by 0.0.1"),
        "{err}"
    );
}

#[test]
fn bad_config_values_name_file_line_and_column() {
    let dir = project("[target]\nprefer = \"wheels\"\n");
    let (code, err) = run(dir.path(), &["plan"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("lock2nix.toml:2:10: at `target.prefer`: expected \"wheel\" or \"sdist\", found \"wheels\""),
        "{err}"
    );
    let dir = project("[packages.click]\npolicy = \"exactly\"\n");
    let (code, err) = run(dir.path(), &["plan"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("lock2nix.toml:2:10: at `packages.click.policy`: expected exact, compatible or nixpkgs, found \"exactly\""),
        "{err}"
    );
}
