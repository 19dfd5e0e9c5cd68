//! The most frequent definitions are written without building their trees (`emit`); every
//! definition must be the text the tree and the printer give (`emit_with(…, false)`). Compared
//! on the fixture locks (with and without a nixpkgs index, on two and four systems) and on
//! generated locks with long names, URLs that need escaping, extras, dependency cycles and
//! packages in the closure of some systems only.

use std::path::Path;

use lock2nix_emit::{emit_spliced, emit_spliced_with, emit_with, Definitions, Overlay};
use lock2nix_nixpkgs::Index;
use lock2nix_plan::{layout, LayoutInputs};
use lock2nix_testkit::fixture;

const ALL: [&str; 4] = [
    "x86_64-linux",
    "aarch64-linux",
    "x86_64-darwin",
    "aarch64-darwin",
];

mod common;

/// Both paths' overlays for `lock` on `systems`; panics where they differ (first line shown).
fn same_both_ways(lock: &Path, python: &str, systems: &[&str], index: Option<&Index>) {
    let (resolutions, plans) = common::resolve_and_plan(lock, python, systems, index, &[]);
    let the_layout = layout(&LayoutInputs::for_roots(&resolutions[0])).unwrap();
    let o = Overlay {
        plans: &plans,
        layout: &the_layout,
        workspace_root: "./..",
        source_root: None,
        header: &[],
        envs: &[],
    };
    let direct = emit_with(&o, true).unwrap();
    let tree = emit_with(&o, false).unwrap();
    // in pieces, the same text
    assert_eq!(emit_spliced(&o).unwrap().to_string(), direct);
    // the definitions printed first, the file around them after: the same text
    let printed = Definitions::print(&plans).unwrap();
    assert_eq!(emit_spliced_with(&o, printed).unwrap().to_string(), direct);
    // plans whose packages are not sorted by attribute (sorted instead of merged): the same
    let mut shuffled = plans.clone();
    for p in &mut shuffled {
        p.packages.reverse();
    }
    let o_shuffled = Overlay {
        plans: &shuffled,
        ..o
    };
    assert!(emit_with(&o_shuffled, true).unwrap() == direct);
    // definitions of other plans (the same content elsewhere) are printed again: the same text
    let printed = Definitions::print(&shuffled).unwrap();
    assert!(emit_spliced_with(&o, printed).unwrap().to_string() == direct);
    if direct != tree {
        let at = direct
            .lines()
            .zip(tree.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        panic!(
            "{} on {systems:?}: line {}:\n  direct: {:?}\n  tree:   {:?}",
            lock.display(),
            at + 1,
            direct.lines().nth(at),
            tree.lines().nth(at)
        );
    }
}

#[test]
fn fixture_locks_are_written_the_same_both_ways() {
    let index = Index::read(fixture("nixpkgs-index/authentik-subset.tsv")).unwrap();
    same_both_ways(&fixture("authentik/uv.lock"), "3.13", &ALL, Some(&index));
    same_both_ways(&fixture("authentik/uv.lock"), "3.13", &ALL[..2], None);
    same_both_ways(
        &fixture("authentik-aligned/uv.lock"),
        "3.13",
        &ALL[..2],
        None,
    );
    same_both_ways(&fixture("locks/top-300/uv.lock"), "3.12", &ALL, None);
    same_both_ways(&fixture("locks/top-1000/uv.lock"), "3.12", &ALL[..2], None);
    same_both_ways(
        &fixture("locks/workspace-mixed/uv.lock"),
        "3.12",
        &ALL,
        None,
    );
}

/// Package `i`'s name: of growing length, some starting with a digit (quoted attribute names).
fn pkg_name(i: usize) -> String {
    let tail = "x".repeat(i * 7 % 90);
    if i.is_multiple_of(7) {
        format!("{i}p-y{tail}")
    } else {
        format!("p{i}-y{tail}")
    }
}

/// A lock of `n` packages with names and URLs of growing length (some past any line width),
/// URLs with characters Nix strings escape, extras, a dependency cycle, a wheel per system,
/// sdists without a hash and packages on macOS only.
fn synthetic_lock(n: usize) -> String {
    let mut deps = String::new();
    let mut pkgs = String::new();
    let hash = format!("sha256:{}", "ab".repeat(32));
    for i in 0..n {
        let name = pkg_name(i);
        let file = name.replace('-', "_");
        let marker = match i % 5 {
            0 => ", marker = \"sys_platform == 'darwin'\"",
            _ => "",
        };
        let wanted = match i % 16 {
            1 => ", extra = [\"fast\", \"2-slow\"]",
            5 | 9 => ", extra = [\"fast\"]",
            _ => "",
        };
        deps.push_str(&format!("    {{ name = \"{name}\"{marker}{wanted} }},\n"));
        let next = pkg_name((i + 1) % n);
        let mut dependencies = String::new();
        if i % 3 == 0 {
            dependencies.push_str(&format!("dependencies = [{{ name = \"{next}\" }}]\n"));
        } else if i % 3 == 1 {
            // the one before depends on this one: a cycle
            dependencies.push_str(&format!(
                "dependencies = [{{ name = \"{}\" }}]\n",
                pkg_name(i - 1)
            ));
        }
        let mut extras = String::new();
        if i % 4 == 1 {
            let more = if i % 8 == 1 {
                format!(", {{ name = \"{next}\" }}")
            } else {
                String::new()
            };
            extras.push_str(&format!(
                "[package.optional-dependencies]\nfast = [{{ name = \"{next}\" }}{more}]\n"
            ));
            if i % 16 == 1 {
                extras.push_str(&format!("\"2-slow\" = [{{ name = \"{next}\" }}]\n"));
            }
        }
        let url_tail = match i % 4 {
            0 => "%24%7Bx%7D".to_string(),
            1 => "a\\\\b\\\"c${d}".to_string(),
            2 => "é✓".repeat(i),
            _ => "y".repeat(i * 13 % 200),
        };
        let artifacts = match i % 3 {
            0 => format!(
                "sdist = {{ url = \"https://files.example/{url_tail}/{name}-1.{i}.tar.gz\"{h} }}\n",
                h = if i % 2 == 0 {
                    format!(", hash = \"{hash}\"")
                } else {
                    String::new()
                }
            ),
            // a wheel per system: the url differs, the hash on some (one missing on some)
            1 => {
                let wheel_hash = |k: usize| match (i % 4, k) {
                    (1, _) => format!(", hash = \"{hash}\""),
                    (3, 1) if i % 8 == 7 => String::new(),
                    _ => format!(", hash = \"sha256:{}\"", format!("{k}{}", i % 10).repeat(32)),
                };
                let (h0, h1, h2, h3) = (wheel_hash(0), wheel_hash(1), wheel_hash(2), wheel_hash(3));
                format!(
                    "wheels = [\n    {{ url = \"https://files.example/{url_tail}/{file}-1.{i}-py3-none-manylinux_2_17_x86_64.whl\"{h0} }},\n    {{ url = \"https://files.example/{url_tail}/{file}-1.{i}-py3-none-macosx_11_0_arm64.whl\"{h1} }},\n    {{ url = \"https://files.example/{url_tail}/{file}-1.{i}-py3-none-manylinux_2_17_aarch64.whl\"{h2} }},\n    {{ url = \"https://files.example/{url_tail}/{file}-1.{i}-py3-none-macosx_10_9_x86_64.whl\"{h3} }},\n]\n"
                )
            }
            _ => format!(
                "wheels = [{{ url = \"https://files.example/{url_tail}/{file}-1.{i}-py3-none-any.whl\", hash = \"{hash}\" }}]\n"
            ),
        };
        pkgs.push_str(&format!(
            "[[package]]\nname = \"{name}\"\nversion = \"1.{i}\"\nsource = {{ registry = \"https://pypi.org/simple\" }}\n{dependencies}{artifacts}{extras}\n"
        ));
    }
    // a wheel per system on some systems only: the others are not in its closure (the first
    // system's source stands in there)
    for (name, os, tags) in [
        (
            "on-mac",
            "darwin",
            ["macosx_11_0_arm64", "macosx_10_9_x86_64"],
        ),
        (
            "on-linux",
            "linux",
            ["manylinux_2_17_aarch64", "manylinux_2_17_x86_64"],
        ),
    ] {
        deps.push_str(&format!(
            "    {{ name = \"{name}\", marker = \"sys_platform == '{os}'\" }},\n"
        ));
        let file = name.replace('-', "_");
        let wheels: Vec<String> = tags
            .iter()
            .enumerate()
            .map(|(k, tag)| {
                format!(
                    "    {{ url = \"https://files.example/{file}-2.0-py3-none-{tag}.whl\", hash = \"sha256:{}\" }},\n",
                    format!("{k}f").repeat(32)
                )
            })
            .collect();
        pkgs.push_str(&format!(
            "[[package]]\nname = \"{name}\"\nversion = \"2.0\"\nsource = {{ registry = \"https://pypi.org/simple\" }}\nwheels = [\n{}]\n\n",
            wheels.concat()
        ));
    }
    format!(
        "version = 1\nrevision = 3\nrequires-python = \">=3.12\"\n\n[[package]]\nname = \"app\"\nversion = \"1.0\"\nsource = {{ virtual = \".\" }}\ndependencies = [\n{deps}]\n\n{pkgs}"
    )
}

#[test]
fn generated_locks_are_written_the_same_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let lock = dir.path().join("uv.lock");
    std::fs::write(&lock, synthetic_lock(80)).unwrap();
    same_both_ways(&lock, "3.12", &ALL, None);
    same_both_ways(&lock, "3.12", &ALL[..1], None);
    same_both_ways(&lock, "3.12", &ALL[2..], None);
}
