//! A deterministic generator of synthetic `uv.lock` files of any size, for scaling benchmarks.
//!
//! [`synth_project`] writes real uv.lock TOML (version 1, revision 3, as uv lays it out) and the
//! matching `pyproject.toml`, shaped like the real locks in `fixtures/locks`:
//!
//! - registry packages with an sdist and wheels: pure `py3-none-any` wheels, binary wheels for
//!   CPython 3.11–3.13 on manylinux/musllinux x86_64 and aarch64, macOS x86_64 and arm64 and
//!   Windows, some `abi3` wheels, some sdist-only packages and a few wheel-only pure ones;
//! - dependency edges mostly "downwards" (towards more basic packages), with a few very popular
//!   leaves (like `typing-extensions` or `six`), PEP 508 markers on some edges (platform,
//!   machine, Python version, implementation), and dependency cycles (2- and 3-cycles);
//! - forks: some names have two entries split by `python_full_version` with `resolution-markers`,
//!   and edges to them carry `version`, `source` and the fork marker, as uv writes them;
//! - extras (`[package.optional-dependencies]`) and edges that ask for them;
//! - a virtual root project that depends on every package no other one depends on, with one
//!   extra and one dependency group, and its `[package.metadata]` matching the pyproject.
//!
//! The output depends only on the [`SynthSpec`] (a seeded SplitMix64 stream), so a benchmark can
//! regenerate the same lock anywhere.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynthSpec {
    /// The number of `[[package]]` entries (including the root), at least 8.
    pub packages: usize,
    /// The seed of the random stream.
    pub seed: u64,
}

impl SynthSpec {
    /// `packages` entries with the default seed.
    pub fn new(packages: usize) -> Self {
        Self {
            packages,
            seed: 0x10c2_21c5,
        }
    }
}

/// A generated project: the lock, its pyproject and a few counts.
#[derive(Debug, Clone)]
pub struct SynthProject {
    /// The `uv.lock` text.
    pub lock: String,
    /// The `pyproject.toml` text.
    pub pyproject: String,
    /// The root project's name.
    pub root: String,
    /// `[[package]]` entries, the root included.
    pub entries: usize,
    /// Dependency edges written (all tables, the root's included).
    pub edges: usize,
    /// Wheels written.
    pub wheels: usize,
}

impl SynthProject {
    /// Write `uv.lock` and `pyproject.toml` into `dir` (created when missing).
    pub fn write_to(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("uv.lock"), &self.lock)?;
        std::fs::write(dir.join("pyproject.toml"), &self.pyproject)
    }
}

/// SplitMix64: tiny, seedable, good enough for shapes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn hex(&mut self, len: usize) -> String {
        let mut s = String::with_capacity(len + 16);
        while s.len() < len {
            let _ = write!(s, "{:016x}", self.next());
        }
        s.truncate(len);
        s
    }
}

const SYLLABLES: [&str; 32] = [
    "py", "aio", "json", "http", "cloud", "data", "fast", "tool", "web", "sql", "grpc", "yaml",
    "auth", "log", "cache", "test", "lib", "core", "net", "text", "time", "math", "graph", "async",
    "crypt", "zip", "image", "form", "queue", "stream", "path", "type",
];

/// Edge markers (each holds on some of the four Nix systems and not on others).
const MARKERS: [&str; 9] = [
    "sys_platform == 'win32'",
    "sys_platform == 'linux'",
    "sys_platform == 'darwin'",
    "platform_machine == 'x86_64' and sys_platform == 'linux'",
    "python_full_version < '3.12'",
    "python_full_version >= '3.13'",
    "implementation_name == 'pypy'",
    "platform_python_implementation == 'CPython'",
    "sys_platform != 'win32'",
];

const FORK_OLD: &str = "python_full_version < '3.12'";
const FORK_NEW: &str = "python_full_version >= '3.12'";

const BINARY_PLATFORMS: [&str; 6] = [
    "manylinux_2_17_x86_64.manylinux2014_x86_64",
    "manylinux_2_17_aarch64.manylinux2014_aarch64",
    "musllinux_1_2_x86_64",
    "macosx_10_13_x86_64",
    "macosx_11_0_arm64",
    "win_amd64",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pure,
    PureNoSdist,
    Binary,
    Abi3,
    SdistOnly,
}

struct Name {
    name: String,
    /// Two entries split by Python version.
    forked: bool,
    kind: Kind,
    versions: [String; 2],
    /// Extras: name → targets.
    extras: Vec<(String, Vec<usize>)>,
}

struct DepSpec {
    target: usize,
    marker: Option<&'static str>,
    extra: Option<String>,
}

/// Generate a project of about `spec.packages` entries.
pub fn synth_project(spec: SynthSpec) -> SynthProject {
    let mut rng = Rng(spec.seed);
    let total = spec.packages.max(8);
    // names: every 33rd (about 3%) is forked into two entries; the root is one more entry
    let mut names: Vec<Name> = Vec::new();
    let mut entries = 1;
    let mut used = BTreeSet::new();
    while entries < total {
        let i = names.len();
        let forked = i % 33 == 16 && entries + 2 <= total;
        let name = loop {
            let a = SYLLABLES[rng.below(SYLLABLES.len())];
            let b = SYLLABLES[rng.below(SYLLABLES.len())];
            let candidate = if rng.chance(40) {
                format!("{a}-{b}-{i}")
            } else {
                format!("{a}{b}{i}")
            };
            if used.insert(candidate.clone()) {
                break candidate;
            }
        };
        let kind = match rng.below(100) {
            0..=49 => Kind::Pure,
            50..=53 => Kind::PureNoSdist,
            54..=83 => Kind::Binary,
            84..=91 => Kind::Abi3,
            _ => Kind::SdistOnly,
        };
        let major = rng.below(30);
        let minor = rng.below(40);
        let patch = rng.below(20);
        let versions = [
            format!("{major}.{minor}.{patch}"),
            format!("{}.{}.0", major + 1, rng.below(10)),
        ];
        names.push(Name {
            name,
            forked,
            kind,
            versions,
            extras: Vec::new(),
        });
        entries += if forked { 2 } else { 1 };
    }
    let m = names.len();
    // Popular leaves: the last 2% of the names.
    let popular_from = m - (m / 50).max(1);
    let pick_target = |rng: &mut Rng, from: usize| -> Option<usize> {
        if from + 1 >= m {
            return None;
        }
        Some(if from < popular_from && rng.chance(30) {
            popular_from + rng.below(m - popular_from)
        } else {
            from + 1 + rng.below(m - from - 1)
        })
    };
    // extras (targets below the package)
    for i in 0..m {
        if rng.chance(8) {
            let count = 1 + rng.below(2);
            for e in 0..count {
                let extra = ["speedups", "cli", "async", "all"][(e + i) % 4].to_string();
                let mut targets = BTreeSet::new();
                for _ in 0..1 + rng.below(3) {
                    if let Some(t) = pick_target(&mut rng, i) {
                        targets.insert(t);
                    }
                }
                if !targets.is_empty() && !names[i].extras.iter().any(|(x, _)| *x == extra) {
                    names[i].extras.push((extra, targets.into_iter().collect()));
                }
            }
        }
    }
    // dependencies
    let mut deps: Vec<Vec<DepSpec>> = Vec::with_capacity(m);
    let mut has_dependents = vec![false; m];
    for i in 0..m {
        let count = match rng.below(100) {
            0..=29 => 0,
            30..=54 => 1,
            55..=74 => 2,
            75..=86 => 3,
            87..=94 => 5,
            _ => 8,
        };
        let mut targets = BTreeSet::new();
        for _ in 0..count {
            if let Some(t) = pick_target(&mut rng, i) {
                targets.insert(t);
            }
        }
        let mut list = Vec::new();
        for t in targets {
            has_dependents[t] = true;
            let marker = (!names[t].forked && rng.chance(15)).then(|| MARKERS[rng.below(9)]);
            let extra = (!names[t].extras.is_empty() && rng.chance(30))
                .then(|| names[t].extras[0].0.clone());
            list.push(DepSpec {
                target: t,
                marker,
                extra,
            });
        }
        deps.push(list);
    }
    // cycles: every 150th package gets an edge back from one of its targets (2-cycle) or from a
    // target's target (3-cycle)
    for i in (0..m).step_by(150) {
        let Some(first) = deps[i].first().map(|d| d.target) else {
            continue;
        };
        let back_from = deps[first]
            .first()
            .map(|d| d.target)
            .filter(|_| rng.chance(50))
            .unwrap_or(first);
        if !names[i].forked && !deps[back_from].iter().any(|d| d.target == i) {
            deps[back_from].push(DepSpec {
                target: i,
                marker: None,
                extra: None,
            });
        }
    }
    // the root: every name without a normal dependent (extras and cycle edges do not count, so
    // every entry is reachable from the root, as in a real lock), plus an extra and a dev group
    let root = "synth-project".to_string();
    let root_deps: Vec<usize> = (0..m).filter(|&i| !has_dependents[i]).collect();
    let root_extra: Vec<usize> = (0..3).map(|k| (k * 7 + 1) % m).collect();
    let root_dev: Vec<usize> = (0..4).map(|k| (k * 11 + 3) % m).collect();

    let mut out = String::with_capacity(total * 3000);
    let mut edges = 0;
    let mut wheels = 0;
    out.push_str(
        "version = 1\nrevision = 3\nrequires-python = \">=3.11\"\nresolution-markers = [\n",
    );
    let _ = writeln!(out, "    \"{FORK_NEW}\",\n    \"{FORK_OLD}\",\n]\n");
    // entries sorted by name (then version), as uv writes them
    let mut order: Vec<(String, Option<(usize, usize)>)> = names
        .iter()
        .enumerate()
        .flat_map(|(i, n)| {
            let forks = if n.forked { 2 } else { 1 };
            (0..forks).map(move |v| (n.name.clone(), Some((i, v))))
        })
        .collect();
    order.push((root.clone(), None));
    order.sort();
    let dep_line = |out: &mut String, t: usize, marker: Option<&str>, extra: Option<&str>| {
        let n = &names[t];
        let extra = extra
            .map(|e| format!(", extra = [\"{e}\"]"))
            .unwrap_or_default();
        if n.forked {
            for (v, fork) in [FORK_OLD, FORK_NEW].iter().enumerate() {
                let _ = writeln!(
                    out,
                    "    {{ name = \"{}\", version = \"{}\", source = {{ registry = \"https://pypi.org/simple\" }}{extra}, marker = \"{fork}\" }},",
                    n.name, n.versions[v]
                );
            }
            2
        } else {
            let marker = marker
                .map(|m| format!(", marker = \"{m}\""))
                .unwrap_or_default();
            let _ = writeln!(out, "    {{ name = \"{}\"{extra}{marker} }},", n.name);
            1
        }
    };
    for (_, which) in &order {
        out.push_str("[[package]]\n");
        let Some((i, v)) = *which else {
            // the root
            let _ = writeln!(
                out,
                "name = \"{root}\"\nversion = \"0.1.0\"\nsource = {{ virtual = \".\" }}\ndependencies = ["
            );
            let mut sorted: Vec<usize> = root_deps.clone();
            sorted.sort_by(|a, b| names[*a].name.cmp(&names[*b].name));
            for &t in &sorted {
                edges += dep_line(&mut out, t, None, None);
            }
            out.push_str("]\n\n[package.optional-dependencies]\nall = [\n");
            let mut extra_sorted = root_extra.clone();
            extra_sorted.sort_by(|a, b| names[*a].name.cmp(&names[*b].name));
            extra_sorted.dedup();
            for &t in &extra_sorted {
                edges += dep_line(&mut out, t, None, None);
            }
            out.push_str("]\n\n[package.dev-dependencies]\ndev = [\n");
            let mut dev_sorted = root_dev.clone();
            dev_sorted.sort_by(|a, b| names[*a].name.cmp(&names[*b].name));
            dev_sorted.dedup();
            for &t in &dev_sorted {
                edges += dep_line(&mut out, t, None, None);
            }
            out.push_str("]\n\n[package.metadata]\nrequires-dist = [\n");
            let mut dist: Vec<(String, Option<&str>)> = sorted
                .iter()
                .map(|&t| (names[t].name.clone(), None))
                .chain(
                    extra_sorted
                        .iter()
                        .map(|&t| (names[t].name.clone(), Some("extra == 'all'"))),
                )
                .collect();
            dist.sort();
            for (name, marker) in &dist {
                match marker {
                    Some(mk) => {
                        let _ = writeln!(out, "    {{ name = \"{name}\", marker = \"{mk}\" }},");
                    }
                    None => {
                        let _ = writeln!(out, "    {{ name = \"{name}\" }},");
                    }
                }
            }
            out.push_str(
                "]\nprovides-extras = [\"all\"]\n\n[package.metadata.requires-dev]\ndev = [\n",
            );
            for &t in &dev_sorted {
                let _ = writeln!(out, "    {{ name = \"{}\" }},", names[t].name);
            }
            out.push_str("]\n\n");
            continue;
        };
        let n = &names[i];
        let version = &n.versions[v];
        let _ = writeln!(
            out,
            "name = \"{}\"\nversion = \"{version}\"\nsource = {{ registry = \"https://pypi.org/simple\" }}",
            n.name
        );
        if n.forked {
            let _ = writeln!(
                out,
                "resolution-markers = [\n    \"{}\",\n]",
                if v == 0 { FORK_OLD } else { FORK_NEW }
            );
        }
        if !deps[i].is_empty() {
            out.push_str("dependencies = [\n");
            let mut list: Vec<&DepSpec> = deps[i].iter().collect();
            list.sort_by(|a, b| names[a.target].name.cmp(&names[b.target].name));
            for d in list {
                edges += dep_line(&mut out, d.target, d.marker, d.extra.as_deref());
            }
            out.push_str("]\n");
        }
        let file_stem = n.name.replace('-', "_");
        let url = |rng: &mut Rng, file: &str| {
            let h = rng.hex(64);
            format!(
                "https://files.pythonhosted.org/packages/{}/{}/{}/{file}",
                &h[0..2],
                &h[2..4],
                &h[4..]
            )
        };
        let stamp = |rng: &mut Rng| {
            format!(
                "20{:02}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                18 + rng.below(8),
                1 + rng.below(12),
                1 + rng.below(28),
                rng.below(24),
                rng.below(60),
                rng.below(60),
                rng.below(1000)
            )
        };
        if n.kind != Kind::PureNoSdist {
            let file = format!("{file_stem}-{version}.tar.gz");
            let u = url(&mut rng, &file);
            let _ = writeln!(
                out,
                "sdist = {{ url = \"{u}\", hash = \"sha256:{}\", size = {}, upload-time = \"{}\" }}",
                rng.hex(64),
                1000 + rng.below(5_000_000),
                stamp(&mut rng)
            );
        }
        let files: Vec<String> = match n.kind {
            Kind::Pure | Kind::PureNoSdist => {
                vec![format!("{file_stem}-{version}-py3-none-any.whl")]
            }
            Kind::Binary => ["cp311", "cp312", "cp313"]
                .iter()
                .flat_map(|py| {
                    let file_stem = &file_stem;
                    BINARY_PLATFORMS
                        .iter()
                        .map(move |plat| format!("{file_stem}-{version}-{py}-{py}-{plat}.whl"))
                })
                .collect(),
            Kind::Abi3 => BINARY_PLATFORMS
                .iter()
                .map(|plat| format!("{file_stem}-{version}-cp311-abi3-{plat}.whl"))
                .collect(),
            Kind::SdistOnly => Vec::new(),
        };
        if !files.is_empty() {
            out.push_str("wheels = [\n");
            for f in &files {
                let u = url(&mut rng, f);
                let _ = writeln!(
                    out,
                    "    {{ url = \"{u}\", hash = \"sha256:{}\", size = {}, upload-time = \"{}\" }},",
                    rng.hex(64),
                    1000 + rng.below(50_000_000),
                    stamp(&mut rng)
                );
            }
            out.push_str("]\n");
            wheels += files.len();
        }
        if !n.extras.is_empty() {
            out.push_str("\n[package.optional-dependencies]\n");
            let mut extras: Vec<&(String, Vec<usize>)> = n.extras.iter().collect();
            extras.sort();
            for (extra, targets) in extras {
                let _ = writeln!(out, "{extra} = [");
                let mut sorted = targets.clone();
                sorted.sort_by(|a, b| names[*a].name.cmp(&names[*b].name));
                for t in sorted {
                    edges += dep_line(&mut out, t, None, None);
                }
                out.push_str("]\n");
            }
        }
        out.push('\n');
    }
    if out.ends_with("\n\n") {
        out.pop();
    }

    let mut pyproject = String::new();
    let _ = writeln!(
        pyproject,
        "[project]\nname = \"{root}\"\nversion = \"0.1.0\"\ndescription = \"Synthetic benchmark project ({} lock entries, seed {})\"\nrequires-python = \">=3.11\"\ndependencies = [",
        order.len(),
        spec.seed
    );
    let mut root_names: Vec<&str> = root_deps.iter().map(|&t| names[t].name.as_str()).collect();
    root_names.sort_unstable();
    for n in &root_names {
        let _ = writeln!(pyproject, "    \"{n}\",");
    }
    pyproject.push_str("]\n\n[project.optional-dependencies]\nall = [\n");
    let mut extra_names: Vec<&str> = root_extra.iter().map(|&t| names[t].name.as_str()).collect();
    extra_names.sort_unstable();
    extra_names.dedup();
    for n in &extra_names {
        let _ = writeln!(pyproject, "    \"{n}\",");
    }
    pyproject.push_str("]\n\n[dependency-groups]\ndev = [\n");
    let mut dev_names: Vec<&str> = root_dev.iter().map(|&t| names[t].name.as_str()).collect();
    dev_names.sort_unstable();
    dev_names.dedup();
    for n in &dev_names {
        let _ = writeln!(pyproject, "    \"{n}\",");
    }
    pyproject.push_str("]\n");

    SynthProject {
        lock: out,
        pyproject,
        root,
        entries: order.len(),
        edges,
        wheels,
    }
}
