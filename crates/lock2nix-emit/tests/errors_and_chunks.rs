//! The emitter builds, merges and prints the definitions in parallel chunks of attributes. These
//! tests pin what must not depend on that: the sources without a hash are all reported by the
//! plan, in plan order, and listed first in the overlay (across chunks); the text is the same
//! whatever the thread count.

use std::str::FromStr;

use lock2nix_emit::{emit, Overlay};
use lock2nix_lock::read_lock;
use lock2nix_plan::{layout, plan, Layout, LayoutInputs, Missing, Plan, PlanInputs};
use lock2nix_resolve::{resolve, PythonVersion, Resolution, Target};
use lock2nix_wheel::System;

const SYSTEMS: [&str; 2] = ["x86_64-linux", "aarch64-darwin"];

/// A lock with `n` registry packages `pkg-NN` (sdists), all dependencies of the virtual root;
/// those in `hashless` have no hash, those in `git` come from a git repository instead, those in
/// `darwin_hashless` have only wheels, the macOS one without a hash.
fn lock_text(n: usize, hashless: &[usize], git: &[usize], darwin_hashless: &[usize]) -> String {
    let mut deps = String::new();
    let mut pkgs = String::new();
    // written in reverse order: if the plan keeps the lock's order, it differs from the
    // attributes' (sorted) order
    for i in (0..n).rev() {
        deps.push_str(&format!("    {{ name = \"pkg-{i:02}\" }},\n"));
        if darwin_hashless.contains(&i) {
            // wheels only: the Linux one has a hash, the macOS one none
            pkgs.push_str(&format!(
                "[[package]]\nname = \"pkg-{i:02}\"\nversion = \"1.{i}\"\nsource = {{ registry = \"https://pypi.org/simple\" }}\nwheels = [\n    {{ url = \"https://files.example/pkg_{i:02}-1.{i}-py3-none-macosx_11_0_arm64.whl\" }},\n    {{ url = \"https://files.example/pkg_{i:02}-1.{i}-py3-none-manylinux_2_17_x86_64.whl\", hash = \"sha256:{h}\" }},\n]\n\n",
                h = "ab".repeat(32),
            ));
        } else if git.contains(&i) {
            pkgs.push_str(&format!(
                "[[package]]\nname = \"pkg-{i:02}\"\nversion = \"1.{i}\"\nsource = {{ git = \"https://git.example/r{i}.git?rev=main#{commit}\" }}\n\n",
                commit = format!("{i:02}").repeat(20),
            ));
        } else {
            let hash = if hashless.contains(&i) {
                String::new()
            } else {
                format!(", hash = \"sha256:{}\"", "ab".repeat(32))
            };
            pkgs.push_str(&format!(
                "[[package]]\nname = \"pkg-{i:02}\"\nversion = \"1.{i}\"\nsource = {{ registry = \"https://pypi.org/simple\" }}\nsdist = {{ url = \"https://files.example/pkg-{i:02}-1.{i}.tar.gz\"{hash} }}\n\n"
            ));
        }
    }
    format!(
        "version = 1\nrevision = 3\nrequires-python = \">=3.12\"\n\n[[package]]\nname = \"app\"\nversion = \"1.0\"\nsource = {{ virtual = \".\" }}\ndependencies = [\n{deps}]\n\n{pkgs}"
    )
}

struct Planned {
    plans: Vec<Plan>,
    layout: Layout,
}

fn planned(text: &str) -> Planned {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("uv.lock");
    std::fs::write(&path, text).unwrap();
    let lock = read_lock(&path).expect("the generated lock reads");
    let py = PythonVersion::from_str("3.12").unwrap();
    let resolutions: Vec<Resolution> = SYSTEMS
        .iter()
        .map(|s| {
            let sys = System::ALL
                .into_iter()
                .find(|x| x.as_str() == *s)
                .expect("system");
            let mut t = Target::new(sys, py);
            t.roots = vec!["app".parse().unwrap()];
            resolve(&lock, &t).expect("resolves")
        })
        .collect();
    let plans = resolutions
        .iter()
        .map(|r| plan(&lock, r, &PlanInputs::default()))
        .collect();
    let layout = layout(&LayoutInputs::for_roots(&resolutions[0])).unwrap();
    Planned { plans, layout }
}

impl Planned {
    /// `emit` on a pool of `threads` threads.
    fn emit_on(&self, threads: usize) -> String {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                emit(&Overlay {
                    plans: &self.plans,
                    layout: &self.layout,
                    workspace_root: ".",
                    source_root: None,
                    header: &[],
                    envs: &[],
                })
            })
            .unwrap()
    }

    fn missing(&self, system: usize) -> Vec<Missing> {
        self.plans[system].missing()
    }
}

#[test]
fn unhashed_files_are_reported_in_plan_order_and_written_as_fake_hashes() {
    // spread over three chunks of 32 attributes
    let hashless = [66, 5, 41];
    let p = planned(&lock_text(70, &hashless, &[], &[]));
    let want: Vec<Missing> = [5, 41, 66]
        .iter()
        .map(|i| Missing::FileHash {
            package: format!("pkg-{i:02}"),
            url: format!("https://files.example/pkg-{i:02}-1.{i}.tar.gz"),
        })
        .collect();
    assert_eq!(p.missing(0), want);
    assert_eq!(p.missing(1), want);
    // every hashless package gets lib.fakeHash, the others keep theirs, whatever the threads
    let text = p.emit_on(2);
    assert_eq!(text, p.emit_on(1));
    assert_eq!(text, p.emit_on(3));
    assert_eq!(text.matches("hash = lib.fakeHash;").count(), hashless.len());
    assert_eq!(
        text.matches(&format!(
            "sha256-{}",
            "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s="
        ))
        .count(),
        70 - hashless.len()
    );
}

#[test]
fn git_sources_without_hash_are_collected_across_chunks() {
    let git = [3, 40, 69];
    let p = planned(&lock_text(70, &[], &git, &[]));
    let keys: Vec<String> = git
        .iter()
        .map(|i| {
            format!(
                "https://git.example/r{i}.git#{}",
                format!("{i:02}").repeat(20)
            )
        })
        .collect();
    assert_eq!(
        p.missing(0).iter().map(Missing::what).collect::<Vec<_>>(),
        keys
    );
    let texts: Vec<String> = [1, 2, 3].into_iter().map(|t| p.emit_on(t)).collect();
    assert_eq!(texts[0], texts[1]);
    assert_eq!(texts[0], texts[2]);
    let text = &texts[0];
    // the list comes first in the set, before every package's definition
    let list_at = text.find("lock2nixMissingHashes = [").expect("the list");
    let first_def = text.find("pkg-00 =").expect("pkg-00");
    assert!(list_at < first_def);
    for k in &keys {
        assert!(
            text[list_at..first_def].contains(&format!("\"{k}\"")),
            "{k}"
        );
    }
    // and every package is defined once, in order
    let mut last = 0;
    for i in 0..70 {
        let at = text
            .find(&format!("\n      pkg-{i:02} ="))
            .unwrap_or_else(|| panic!("pkg-{i:02} in\n{text}"));
        assert!(at > last, "pkg-{i:02} out of order");
        assert_eq!(text.matches(&format!("\n      pkg-{i:02} =")).count(), 1);
        last = at;
    }
}

#[test]
fn one_definition_and_the_missing_list_still_print_as_a_set() {
    // one package with a git source: two bindings in the set (the list and the package)
    let p = planned(&lock_text(1, &[], &[0], &[]));
    let text = p.emit_on(1);
    assert_eq!(text, p.emit_on(2));
    let list_at = text.find("lock2nixMissingHashes = [").expect("the list");
    let def_at = text.find("pkg-00 =").expect("the package");
    assert!(list_at < def_at);
    // only the virtual root, no list: one binding, printed as the tree would
    let none = planned(&lock_text(0, &[], &[], &[]));
    let text = none.emit_on(1);
    assert!(!text.contains("lock2nixMissingHashes"), "{text}");
    assert_eq!(text.matches("mkPythonMetaPackage").count(), 1, "{text}");
}

#[test]
fn a_file_missing_on_one_system_is_that_system_s() {
    // pkg-02's macOS wheel has no hash (second system); pkg-50's sdist none anywhere
    let p = planned(&lock_text(70, &[50], &[], &[2]));
    assert_eq!(
        p.missing(0).iter().map(Missing::what).collect::<Vec<_>>(),
        vec!["https://files.example/pkg-50-1.50.tar.gz".to_string()]
    );
    let darwin: Vec<String> = p.missing(1).iter().map(Missing::what).collect();
    assert_eq!(darwin.len(), 2, "{darwin:?}");
    assert!(darwin[0].ends_with("macosx_11_0_arm64.whl"), "{darwin:?}");
}
