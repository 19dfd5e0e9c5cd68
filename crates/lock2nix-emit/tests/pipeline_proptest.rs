//! Property test of the whole pipeline on generated locks: uv.lock TOML → `parse_lock` →
//! `resolve` (all four systems) → `plan` → `emit` never panics, and every emitted overlay parses
//! (rnix in-process for every case, `nix-instantiate --parse` for a sample).
//!
//! The generated locks have what real locks have: dependency cycles, forks (several versions of
//! one name with disjoint `resolution-markers`, reached through edges with the fork's marker),
//! markers on edges, extras (`[package.optional-dependencies]` and `extra = [...]` on edges),
//! dependency groups on the root, wheels with assorted tags (pure, abi3, manylinux, macOS,
//! Windows, free-threaded), sdists, and git / editable / directory / virtual sources.
//!
//! Generation is driven by a proptest-chosen seed (so every case is reproducible: a failure prints
//! the seed and the lock); `LOCK2NIX_PIPELINE_CASES` sets the number of cases (default 256).

use std::cell::Cell;
use std::fmt::Write as _;
use std::path::Path;

use lock2nix_emit::{emit, EmitError, Overlay};
use lock2nix_lock::parse_lock;
use lock2nix_plan::{layout, plan, LayoutInputs, PlanInputs};
use lock2nix_resolve::{resolve, PythonVersion, Target};
use lock2nix_wheel::System;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// xorshift64*: the generator's only source of randomness, seeded by proptest.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn hex(&mut self, digits: usize) -> String {
        (0..digits)
            .map(|_| char::from_digit((self.next() % 16) as u32, 16).unwrap_or('0'))
            .collect()
    }
}

const NAMES: &[&str] = &[
    "alpha",
    "beta-pkg",
    "gamma",
    "delta",
    "zope-interface",
    "typing-extensions",
    "py",
    "x1",
    "numpy",
    "six",
    "charset-normalizer",
    "if",
];
const EXTRAS: &[&str] = &["cli", "socks", "test", "all"];
const EDGE_MARKERS: &[&str] = &[
    "sys_platform == 'linux'",
    "sys_platform == 'darwin'",
    "sys_platform == 'win32'",
    "platform_machine == 'x86_64'",
    "platform_machine == 'aarch64' and sys_platform == 'linux'",
    "python_full_version < '3.11'",
    "python_full_version >= '3.12'",
    "implementation_name == 'cpython'",
    "platform_python_implementation == 'PyPy'",
];
/// Disjoint fork markers: by Python version (3 forks) or by platform (2 forks).
const PY_FORKS: &[&str] = &[
    "python_full_version < '3.11'",
    "python_full_version == '3.11.*'",
    "python_full_version >= '3.12'",
];
const PLATFORM_FORKS: &[&str] = &["sys_platform == 'darwin'", "sys_platform != 'darwin'"];
const WHEEL_TAGS: &[&str] = &[
    "py3-none-any",
    "py2.py3-none-any",
    "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64",
    "cp312-cp312-manylinux_2_28_aarch64",
    "cp312-cp312-musllinux_1_2_x86_64",
    "cp312-cp312-macosx_11_0_arm64",
    "cp312-cp312-macosx_10_13_x86_64",
    "cp312-cp312-macosx_10_9_universal2",
    "cp38-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64",
    "cp39-abi3-macosx_11_0_arm64",
    "cp311-cp311-win_amd64",
    "cp313-cp313t-manylinux_2_17_x86_64",
    "cp310-cp310-linux_x86_64",
];

#[derive(Clone)]
enum Src {
    Registry,
    Git(String),
    Editable(String),
    Directory(String),
}

impl Src {
    fn toml(&self) -> String {
        match self {
            Src::Registry => "{ registry = \"https://pypi.org/simple\" }".into(),
            Src::Git(url) => format!("{{ git = \"{url}\" }}"),
            Src::Editable(p) => format!("{{ editable = \"{p}\" }}"),
            Src::Directory(p) => format!("{{ directory = \"{p}\" }}"),
        }
    }
}

struct Pkg {
    name: String,
    version: String,
    source: Src,
    fork: Option<String>,
    extras: Vec<String>,
}

/// One generated lock, as uv.lock text.
fn generate(seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let n_names = 2 + rng.below(NAMES.len() - 1);
    let mut pool: Vec<&str> = NAMES.to_vec();
    for i in (1..pool.len()).rev() {
        let j = rng.below(i + 1);
        pool.swap(i, j);
    }
    let names = &pool[..n_names];
    let mut pkgs: Vec<Pkg> = Vec::new();
    let mut forks_used: Vec<&str> = Vec::new();
    for (k, name) in names.iter().enumerate() {
        let forks: &[&str] = match rng.below(6) {
            0 => PY_FORKS,
            1 => PLATFORM_FORKS,
            _ => &[],
        };
        let versions: Vec<Option<&str>> = if forks.is_empty() {
            vec![None]
        } else {
            forks.iter().copied().map(Some).collect()
        };
        let extras: Vec<String> = EXTRAS
            .iter()
            .filter(|_| rng.chance(20))
            .map(|s| s.to_string())
            .collect();
        for (v, fork) in versions.iter().copied().enumerate() {
            let source = match rng.below(20) {
                0 | 1 => Src::Git(format!(
                    "https://github.com/owner/{name}.git?{}#{}",
                    rng.pick(&[
                        "rev=v1",
                        "tag=v1.0",
                        "branch=main",
                        "subdirectory=sub&rev=x"
                    ]),
                    rng.hex(40)
                )),
                2 => Src::Editable(format!("packages/{name}")),
                3 => Src::Directory(format!("vendor/{name}")),
                _ => Src::Registry,
            };
            // a source tree has one version per name in a real lock; keep forks on registries
            let source = if fork.is_some() {
                Src::Registry
            } else {
                source
            };
            if let Some(f) = fork {
                if !forks_used.contains(&f) {
                    forks_used.push(f);
                }
            }
            pkgs.push(Pkg {
                name: name.to_string(),
                version: format!("{}.{}.{}", 1 + k, v, rng.below(3)),
                source,
                fork: fork.map(str::to_string),
                extras: extras.clone(),
            });
        }
    }

    let mut out = String::new();
    out.push_str("version = 1\nrevision = 3\nrequires-python = \">=3.10\"\n");
    if !forks_used.is_empty() {
        out.push_str("resolution-markers = [\n");
        for f in &forks_used {
            let _ = writeln!(out, "    \"{f}\",");
        }
        out.push_str("]\n");
    }
    out.push_str("\n[options]\nexclude-newer = \"2025-01-01T00:00:00Z\"\n");
    out.push_str("\n[manifest]\nmembers = [\"root-project\"]\n");

    // an edge to `name` (every version of it, each under its fork marker)
    let edges_to = |rng: &mut Rng, name: &str, pkgs: &[Pkg], with_extra: bool| -> Vec<String> {
        let targets: Vec<&Pkg> = pkgs.iter().filter(|p| p.name == name).collect();
        let marker = rng.chance(30).then(|| rng.pick(EDGE_MARKERS).to_string());
        let extra = if with_extra && !targets[0].extras.is_empty() && rng.chance(50) {
            Some(rng.pick(&targets[0].extras).clone())
        } else {
            None
        };
        targets
            .iter()
            .map(|t| {
                let mut e = format!("{{ name = \"{}\"", t.name);
                if targets.len() > 1 {
                    let _ = write!(
                        e,
                        ", version = \"{}\", source = {}",
                        t.version,
                        t.source.toml()
                    );
                }
                if let Some(x) = &extra {
                    let _ = write!(e, ", extra = [\"{x}\"]");
                }
                let m = match (&t.fork, &marker) {
                    (Some(f), Some(m)) => Some(format!("{f} and {m}")),
                    (Some(f), None) => Some(f.clone()),
                    (None, Some(m)) => Some(m.clone()),
                    (None, None) => None,
                };
                if let Some(m) = m {
                    let _ = write!(e, ", marker = \"{m}\"");
                }
                e.push_str(" }");
                e
            })
            .collect()
    };
    let dep_list = |out: &mut String, key: &str, edges: &[String]| {
        if edges.is_empty() {
            return;
        }
        let _ = writeln!(out, "{key} = [");
        for e in edges {
            let _ = writeln!(out, "    {e},");
        }
        out.push_str("]\n");
    };

    // the root
    let all_names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let mut root_deps = Vec::new();
    for name in &all_names {
        if rng.chance(50) {
            root_deps.extend(edges_to(&mut rng, name, &pkgs, true));
        }
    }
    if root_deps.is_empty() {
        root_deps.extend(edges_to(&mut rng, &all_names[0], &pkgs, true));
    }
    out.push_str(
        "\n[[package]]\nname = \"root-project\"\nversion = \"0.1.0\"\nsource = { virtual = \".\" }\n",
    );
    dep_list(&mut out, "dependencies", &root_deps);
    let mut opt = String::new();
    for extra in ["cli", "docs"] {
        if rng.chance(40) {
            let name = rng.pick(&all_names).clone();
            dep_list(&mut opt, extra, &edges_to(&mut rng, &name, &pkgs, false));
        }
    }
    if !opt.is_empty() {
        let _ = write!(out, "\n[package.optional-dependencies]\n{opt}");
    }
    let mut dev = String::new();
    for group in ["dev", "lint"] {
        if rng.chance(40) {
            let name = rng.pick(&all_names).clone();
            dep_list(&mut dev, group, &edges_to(&mut rng, &name, &pkgs, true));
        }
    }
    if !dev.is_empty() {
        let _ = write!(out, "\n[package.dev-dependencies]\n{dev}");
    }

    for (i, p) in pkgs.iter().enumerate() {
        let _ = write!(
            out,
            "\n[[package]]\nname = \"{}\"\nversion = \"{}\"\nsource = {}\n",
            p.name,
            p.version,
            p.source.toml()
        );
        if let Some(f) = &p.fork {
            let _ = writeln!(out, "resolution-markers = [\n    \"{f}\",\n]");
        }
        // edges: random names, cycles welcome (not to itself)
        let mut deps = Vec::new();
        for name in &all_names {
            if *name != p.name && rng.chance(25) {
                deps.extend(edges_to(&mut rng, name, &pkgs, true));
            }
        }
        dep_list(&mut out, "dependencies", &deps);
        if matches!(p.source, Src::Registry) {
            let file = p.name.replace('-', "_");
            if rng.chance(75) {
                let _ = writeln!(
                    out,
                    "sdist = {{ url = \"https://files.example/{file}-{}.tar.gz\", hash = \"sha256:{}\", size = {} }}",
                    p.version,
                    rng.hex(64),
                    100 + i
                );
            }
            let n_wheels = rng.below(5);
            if n_wheels > 0 {
                out.push_str("wheels = [\n");
                let mut tags: Vec<&str> = (0..n_wheels).map(|_| *rng.pick(WHEEL_TAGS)).collect();
                tags.sort_unstable();
                tags.dedup();
                for tag in tags {
                    let _ = writeln!(
                        out,
                        "    {{ url = \"https://files.example/{file}-{}-{tag}.whl\", hash = \"sha256:{}\", size = {} }},",
                        p.version,
                        rng.hex(64),
                        1000 + i
                    );
                }
                out.push_str("]\n");
            }
        }
        let mut opt = String::new();
        for extra in &p.extras {
            let name = rng.pick(&all_names).clone();
            let edges: Vec<String> = if name == p.name {
                Vec::new()
            } else {
                edges_to(&mut rng, &name, &pkgs, false)
            };
            if edges.is_empty() {
                let _ = writeln!(opt, "{extra} = []");
            } else {
                dep_list(&mut opt, extra, &edges);
            }
        }
        if !opt.is_empty() {
            let _ = write!(out, "\n[package.optional-dependencies]\n{opt}");
        }
    }
    out
}

/// What happened to one generated lock.
#[derive(Debug, Default, Clone, Copy)]
struct Outcome {
    systems_resolved: usize,
    emitted: bool,
}

/// Run the pipeline; `Err` only for a property violation (a panic fails the runner too).
fn pipeline(text: &str, all_groups: bool) -> Result<(Outcome, Option<String>), TestCaseError> {
    let lock = parse_lock(text, Path::new("uv.lock"))
        .map_err(|e| TestCaseError::fail(format!("a generated lock does not parse: {e}")))?;
    let mut resolutions = Vec::new();
    for system in System::ALL {
        let mut target = Target::new(system, PythonVersion::new(3, 12));
        target.all_groups = all_groups;
        if let Ok(r) = resolve(&lock, &target) {
            resolutions.push(r);
        }
    }
    let mut outcome = Outcome {
        systems_resolved: resolutions.len(),
        emitted: false,
    };
    if resolutions.is_empty() {
        return Ok((outcome, None));
    }
    let inputs = PlanInputs::default();
    let plans: Vec<_> = resolutions
        .iter()
        .map(|r| plan(&lock, r, &inputs))
        .collect();
    let the_layout = layout(&LayoutInputs::for_roots(&resolutions[0]))
        .map_err(|e| TestCaseError::fail(format!("no layout for generated roots: {e}")))?;
    let overlay = match emit(&Overlay {
        plans: &plans,
        layout: &the_layout,
        workspace_root: ".",
        source_root: None,
        header: &[],
        envs: &[],
    }) {
        Ok(text) => text,
        Err(e @ EmitError::Print(_)) => {
            return Err(TestCaseError::fail(format!(
                "emit refused a generated lock (no NUL is generated): {e}"
            )))
        }
        Err(e) => return Err(TestCaseError::fail(format!("emit failed: {e}"))),
    };
    let parse = rnix::Root::parse(&overlay);
    if !parse.errors().is_empty() {
        return Err(TestCaseError::fail(format!(
            "the overlay does not parse: {:?}\n{overlay}",
            parse.errors()
        )));
    }
    outcome.emitted = true;
    Ok((outcome, Some(overlay)))
}

#[test]
fn generated_locks_go_through_the_pipeline_and_emit_parseable_nix() {
    let cases: u32 = std::env::var("LOCK2NIX_PIPELINE_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(256);
    let nix = lock2nix_testkit::require_tool("nix-instantiate");
    let sample_dir = tempfile::tempdir().expect("tempdir");
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let emitted = Cell::new(0usize);
    let partial = Cell::new(0usize);
    let nix_checked = Cell::new(0usize);
    let forks = Cell::new(0usize);
    let result = runner.run(
        &(
            proptest::prelude::any::<u64>(),
            proptest::prelude::any::<bool>(),
        ),
        |(seed, all_groups)| {
            let text = generate(seed);
            let (outcome, overlay) = pipeline(&text, all_groups).map_err(|e| {
                TestCaseError::fail(format!("seed {seed}: {e}\n--- lock ---\n{text}"))
            })?;
            if text.contains("resolution-markers") {
                forks.set(forks.get() + 1);
            }
            if outcome.emitted {
                emitted.set(emitted.get() + 1);
            }
            if outcome.systems_resolved > 0 && outcome.systems_resolved < 4 {
                partial.set(partial.get() + 1);
            }
            // a sample through the real Nix parser
            if let (Some(overlay), Some(_)) = (&overlay, &nix) {
                if nix_checked.get() < 12 {
                    let file = sample_dir.path().join(format!("overlay-{seed}.nix"));
                    std::fs::write(&file, overlay).expect("write overlay");
                    lock2nix_testkit::nix_parse(&file).map_err(|e| {
                        TestCaseError::fail(format!("seed {seed}: nix-instantiate --parse: {e}"))
                    })?;
                    nix_checked.set(nix_checked.get() + 1);
                }
            }
            Ok(())
        },
    );
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!(
        "{cases} generated locks: {} emitted, {} resolved on some systems only, {} with forks, {} checked by nix-instantiate",
        emitted.get(),
        partial.get(),
        forks.get(),
        nix_checked.get()
    );
    // The property is only worth something if most cases get all the way through.
    assert!(
        emitted.get() * 2 > cases as usize,
        "only {} of {cases} generated locks reached emit",
        emitted.get()
    );
    assert!(forks.get() * 5 > cases as usize, "too few forked locks");
    if nix.is_some() {
        assert!(nix_checked.get() >= 12.min(emitted.get()));
    }
}

/// The generator makes what it claims: forks reached through marker edges, extras on edges,
/// cycles, git/editable/directory sources and assorted wheel tags, across 64 seeds.
#[test]
fn the_generator_covers_the_lock_features() {
    let texts: Vec<String> = (0..64).map(generate).collect();
    let all = texts.join("\n");
    for needle in [
        "resolution-markers = [",
        "python_full_version == '3.11.*'",
        "sys_platform != 'darwin'",
        "extra = [\"",
        "[package.optional-dependencies]",
        "[package.dev-dependencies]",
        "{ git = \"https://github.com/",
        "{ editable = \"packages/",
        "{ directory = \"vendor/",
        "abi3",
        "cp313t",
        "sdist = { url",
    ] {
        assert!(all.contains(needle), "no generated lock has {needle:?}");
    }
    // cycles: some lock has a → b and b → a
    let cyclic = texts.iter().filter(|t| has_cycle(t)).count();
    assert!(
        cyclic > 8,
        "only {cyclic} of 64 generated locks have a cycle"
    );
}

fn has_cycle(text: &str) -> bool {
    let lock = parse_lock(text, Path::new("uv.lock")).expect("parses");
    let n = lock.packages.len();
    // reachability by DFS from each package back to itself
    (0..n).any(|start| {
        let mut seen = vec![false; n];
        let mut stack: Vec<usize> = lock.packages[start]
            .dependencies
            .iter()
            .map(|d| d.target)
            .collect();
        while let Some(i) = stack.pop() {
            if i == start {
                return true;
            }
            if !std::mem::replace(&mut seen[i], true) {
                stack.extend(lock.packages[i].dependencies.iter().map(|d| d.target));
            }
        }
        false
    })
}
