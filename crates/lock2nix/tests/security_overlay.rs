//! Hostile input against the overlay's shape (issue 19): text that once steered the splicing of
//! pre-printed definitions, and root names that would replace nixpkgs' own attributes. The other
//! items are in `security.rs`.

use std::path::Path;
use std::process::{Command, Output};

use lock2nix_testkit::{nix_eval_json, require_tool, stub_expr, Overlay};

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lock2nix"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run lock2nix")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const MARKER: &str = "__lock2nix_overrides_a = null;";

/// A workspace whose root project is `root` with two editable members (so the definitions are
/// printed in parallel), under a directory named `dir_name`.
fn project(base: &Path, dir_name: &str, root: &str) -> std::path::PathBuf {
    let dir = base.join(dir_name);
    for m in ["m1", "m2"] {
        std::fs::create_dir_all(dir.join(m)).unwrap();
        std::fs::write(
            dir.join(m).join("pyproject.toml"),
            format!("[project]\nname = \"{m}\"\nversion = \"1.0\"\n\n[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n"),
        )
        .unwrap();
    }
    std::fs::write(
        dir.join("uv.lock"),
        format!(
            r#"version = 1
revision = 3
requires-python = ">=3.12"

[[package]]
name = "{root}"
version = "1.0"
source = {{ virtual = "." }}
dependencies = [{{ name = "m1" }}, {{ name = "m2" }}]

[[package]]
name = "m1"
version = "1.0"
source = {{ editable = "m1" }}

[[package]]
name = "m2"
version = "1.0"
source = {{ editable = "m2" }}
"#
        ),
    )
    .unwrap();
    dir
}

/// Item 4: a lock directory (or index file) whose name holds the old splice marker stays a
/// string: the overlay evaluates and the name comes back unchanged.
#[test]
fn item4_marker_text_in_names_stays_data() {
    let base = tempfile::tempdir().unwrap();
    let dir_name = format!("w {MARKER} x = throw \"PWNED via lock directory name\"; y");
    let dir = project(base.path(), &dir_name, "app");
    let out = run_in(
        base.path(),
        &[
            "translate",
            "--lock",
            &dir.join("uv.lock").display().to_string(),
            "--python",
            "3.12",
            "--system",
            "x86_64-linux",
            "--out",
            "o.nix",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let overlay = std::fs::read_to_string(base.path().join("o.nix")).unwrap();
    assert_eq!(overlay.matches("m1 = python-final").count(), 1);
    if require_tool("nix-instantiate").is_none() {
        return;
    }
    let v = nix_eval_json(&format!(
        "let p = {}; in {{ src = toString p.appPython.pkgs.m1.src; n = builtins.length (builtins.attrNames p.appPython.pkgs); }}",
        stub_expr(
            "x86_64-linux",
            Overlay::File(&base.path().join("o.nix")),
            None
        )
    ))
    .unwrap_or_else(|e| panic!("{e}\n{overlay}"));
    assert!(v["src"].as_str().unwrap().ends_with("-m1-source"), "{v}");
}

/// "A root named `lib` replaces `pkgs.lib`": refused, with a fix that works.
#[test]
fn roots_never_replace_nixpkgs_attributes() {
    let base = tempfile::tempdir().unwrap();
    for root in ["lib", "stdenv", "python3", "pkgs"] {
        let dir = project(base.path(), root, root);
        let args = [
            "translate",
            "--lock",
            "uv.lock",
            "--python",
            "3.12",
            "--system",
            "x86_64-linux",
            "--out",
            "-",
        ];
        let out = run_in(&dir, &args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{root}: {err}");
        assert!(
            err.contains(&format!("would replace nixpkgs' top-level `{root}`")),
            "{err}"
        );
        // the hint's fix works
        std::fs::write(
            dir.join("lock2nix.toml"),
            format!("[packages.{root}]\ntop-level = \"{root}-python\"\n"),
        )
        .unwrap();
        let out = run_in(&dir, &args);
        assert!(out.status.success(), "{root}: {}", text(&out.stderr));
        assert!(text(&out.stdout).contains(&format!("{root}-python = final.")));
    }
}

/// Credentials in a lock's URLs (a private index, a private git host) never reach the overlay,
/// whose URLs end up in world-readable `.drv` files; the git source's prefetched hash is still
/// found (the sidecar's key has no credentials either).
#[test]
fn url_credentials_stay_out_of_the_overlay() {
    let dir = tempfile::tempdir().unwrap();
    let commit = "0123456789abcdef0123456789abcdef01234567";
    std::fs::write(
        dir.path().join("uv.lock"),
        format!(
            r#"version = 1
revision = 3
requires-python = ">=3.12"

[[package]]
name = "app"
version = "1.0"
source = {{ virtual = "." }}
dependencies = [{{ name = "private" }}, {{ name = "forked" }}]

[[package]]
name = "private"
version = "2.0"
source = {{ registry = "https://alice:s3cret@pypi.example/simple" }}
wheels = [{{ url = "https://alice:s3cret@pypi.example/files/private-2.0-py3-none-any.whl", hash = "sha256:0000000000000000000000000000000000000000000000000000000000000001" }}]

[[package]]
name = "forked"
version = "0.1"
source = {{ git = "https://bob:t0ken@git.example/team/forked.git?rev=main#{commit}" }}
"#
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("lock2nix-hashes.toml"),
        format!(
            "version = 1\n\n[git.\"https://git.example/team/forked.git#{commit}\"]\nhash = \"sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"\nfetcher = \"git\"\n"
        ),
    )
    .unwrap();
    let o = run_in(
        dir.path(),
        &[
            "translate",
            "--system",
            "x86_64-linux",
            "--python",
            "3.12",
            "--out",
            "-",
        ],
    );
    let err = text(&o.stderr);
    assert!(o.status.success(), "{err}");
    let overlay = text(&o.stdout);
    for secret in ["alice", "s3cret", "bob", "t0ken"] {
        assert!(
            !overlay.contains(secret),
            "{secret} in the overlay:\n{overlay}"
        );
        assert!(!err.contains(secret), "{secret} on stderr:\n{err}");
    }
    assert!(overlay.contains("\"https://pypi.example/files/private-2.0-py3-none-any.whl\""));
    assert!(overlay.contains("\"https://git.example/team/forked.git\""));
    // the recorded hash was found under the credential-free key: no fakeHash for it
    assert!(overlay.contains("sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
}
