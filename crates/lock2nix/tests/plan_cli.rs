//! `lock2nix plan` on authentik's real lock with the committed v2 index (recipe features read from
//! nixpkgs' recipes), default policy: the text a person reads shows the reuse count and, for every
//! version swap, its strategy and its reason; a snapshot keeps the whole text.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use lock2nix_testkit::repo_root;
use serde_json::Value;

/// `lock2nix plan` on authentik from the repository root (paths in the header stay relative).
fn plan(root: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "plan",
        "--lock",
        "fixtures/authentik/uv.lock",
        "--python",
        "3.13",
        "--system",
        "x86_64-linux",
        "--index",
        "fixtures/nixpkgs-index/authentik.tsv",
    ];
    args.extend(extra);
    let out = Command::new(env!("CARGO_BIN_EXE_lock2nix"))
        .current_dir(root)
        .args(&args)
        .output()
        .expect("run lock2nix");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn authentik_plan_shows_reuse_and_every_swap_with_strategy_and_reason() {
    let root = repo_root();
    let text = plan(&root, &[]);
    let json: Value = serde_json::from_str(&plan(&root, &["--format", "json"])).unwrap();
    assert_eq!(json["policy"], "compatible", "the default policy");
    assert!(
        text.starts_with(
            "# plan for fixtures/authentik/uv.lock on x86_64-linux with CPython 3.13.9, policy compatible\n"
        ),
        "{text}"
    );

    // the counts line: reuse first, each count as the JSON has it
    let counts = text.lines().nth(1).unwrap();
    let reuse = json["counts"]["reuse"].as_u64().unwrap();
    assert!(
        counts.starts_with(&format!("reuse {reuse}, override ")),
        "{counts}"
    );
    for (action, n) in json["counts"].as_object().unwrap() {
        assert!(counts.contains(&format!("{action} {n}")), "{counts}");
    }

    // the swaps: where nixpkgs has another version and the lock's is built
    let packages = json["packages"].as_array().unwrap();
    let swaps: Vec<&Value> = packages
        .iter()
        .filter(|p| !p["strategy"].is_null())
        .collect();
    assert!(swaps.len() > 100, "{}", swaps.len());
    let section: Vec<&str> = text
        .split("\n\n")
        .find(|s| s.starts_with("version swaps: "))
        .expect("a section of version swaps")
        .lines()
        .collect();
    assert_eq!(
        section[0],
        format!(
            "version swaps: nixpkgs has another version ({})",
            swaps.len()
        )
    );
    assert_eq!(section.len(), swaps.len() + 1, "one line per swap");
    // each package's line in its action's section, by attribute
    let mut line_of: BTreeMap<&str, &str> = BTreeMap::new();
    for block in text
        .split("\n\n")
        .filter(|s| !s.starts_with("version swaps: "))
    {
        for line in block.lines().skip(1) {
            if let Some(attr) = line.split_whitespace().next() {
                line_of.insert(attr, line);
            }
        }
    }
    let mut strategies: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &swaps {
        let attr = p["attr"].as_str().unwrap();
        let strategy = p["strategy"].as_str().unwrap();
        let reason = p["reason"].as_str().unwrap();
        *strategies.entry(strategy).or_default() += 1;
        let swap_line = section[1..]
            .iter()
            .find(|l| l.split_whitespace().next() == Some(attr))
            .unwrap_or_else(|| panic!("{attr} is not in the swaps"));
        assert!(
            swap_line.ends_with(strategy),
            "{attr}: strategy {strategy:?} in {swap_line:?}"
        );
        assert!(
            swap_line.contains(p["version"].as_str().unwrap())
                && swap_line.contains(&format!(
                    "nixpkgs: {} {}",
                    p["nixpkgs_attr"].as_str().unwrap(),
                    p["nixpkgs_version"].as_str().unwrap_or("?")
                )),
            "{attr}: versions in {swap_line:?}"
        );
        let line = line_of[attr];
        assert!(
            line.contains(reason),
            "{attr}: reason {reason:?} in {line:?}"
        );
        // the reason says why this strategy: known-safe features, or what blocks the recipe
        if strategy == "override nixpkgs' recipe" {
            assert!(
                reason.ends_with("nixpkgs' recipe takes the lock's sdist"),
                "{reason}"
            );
        } else {
            assert!(
                reason.contains("nixpkgs' recipe would not survive a version swap (")
                    || reason.contains("the index does not describe nixpkgs' recipe")
                    || reason.contains("the lock has no sdist for nixpkgs' recipe")
                    || reason.contains("is an expression"),
                "{attr}: {reason}"
            );
        }
    }
    // the committed index tells both kinds apart
    assert!(
        strategies["override nixpkgs' recipe"] > 10,
        "{strategies:?}"
    );
    assert!(
        strategies["fresh from the lock's wheel"] > 10,
        "{strategies:?}"
    );
    // recipes the index shows unsafe are never overridden
    for (attr, why) in [
        ("cryptography", "Rust vendored from its src"),
        ("pydantic-core", "Rust vendored from its src"),
        ("psycopg-c", "shares its source with psycopg"),
        ("protobuf", "evaluation-time assert"),
    ] {
        let line = line_of[attr];
        assert!(line.contains(why), "{attr}: {line}");
        assert!(!line.contains("[nixpkgs' recipe,"), "{attr}: {line}");
    }
    insta::assert_snapshot!("authentik_plan_compatible_x86_64_linux", text);
}
