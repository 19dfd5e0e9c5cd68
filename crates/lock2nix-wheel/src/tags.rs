//! The ordered list of wheel tags CPython X.Y supports on a Nix system, and fast
//! wheel-compatibility lookups against it.

use rustc_hash::FxHashMap as HashMap;
use std::fmt::Write as _;

use crate::filename::WheelFilename;
use crate::system::{Arch, System};

/// glibc version assumed for Linux targets by default: 2.40, the glibc of nixpkgs
/// (nixos-24.11 through nixos-25.05 ship glibc 2.40). Wheels tagged `manylinux_2_X`
/// with `X <= 40` are accepted.
pub const DEFAULT_GLIBC: (u32, u32) = (2, 40);

/// macOS version assumed for Darwin targets by default: 14.0 (Sonoma), nixpkgs' deployment
/// target on both Darwin systems (`darwinMinVersion = "14.0"` in nixpkgs' `lib/systems/default.nix`,
/// with the 14.4 SDK, since nixpkgs 25.11). Everything nixpkgs builds for Darwin already needs
/// macOS 14, so wheels tagged `macosx_14_0` (or older) fit. A project that must run on an older
/// macOS sets a lower deployment target (and a nixpkgs configured for it); one that uses wheels
/// for a newer macOS raises it (`--macos-deployment-target`, `[target] macos-deployment-target`).
pub const DEFAULT_MACOS: (u32, u32) = (14, 0);

/// Which release of Python's `packaging` library to mirror. Two details of the tag list
/// changed in `packaging` 26.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PackagingCompat {
    /// `packaging` >= 26.3 (the default): on Linux the locally built `linux_{arch}` tag comes
    /// *before* the manylinux tags, and the macOS three-way fat binary format is `fat3`.
    #[default]
    Since26_3,
    /// `packaging` <= 26.2 (and pip releases vendoring it): `linux_{arch}` comes *after*
    /// the manylinux tags, and the macOS format is spelled `fat32`.
    Before26_3,
}

/// Options for computing a target's tags ([`TargetTags::new`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TagPolicy {
    /// The glibc version (major, minor) of the Linux target; default [`DEFAULT_GLIBC`].
    pub glibc: (u32, u32),
    /// The macOS version (major, minor) of the Darwin target; default [`DEFAULT_MACOS`].
    pub macos: (u32, u32),
    /// Which `packaging` tag order to mirror; default [`PackagingCompat::Since26_3`].
    pub packaging: PackagingCompat,
}

impl TagPolicy {
    /// The defaults ([`DEFAULT_GLIBC`], [`DEFAULT_MACOS`], `packaging` >= 26.3), usable in consts.
    pub const DEFAULT: TagPolicy = TagPolicy {
        glibc: DEFAULT_GLIBC,
        macos: DEFAULT_MACOS,
        packaging: PackagingCompat::Since26_3,
    };
}

impl Default for TagPolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The `manylinux` platform tags for `arch` and a glibc version, best first, exactly as
/// `packaging._manylinux.platform_tags([arch])` yields them on a glibc system of that
/// version: `manylinux_2_{N}_{arch}` from the glibc version down to 2.17 (2.5 on x86_64),
/// with the legacy aliases `manylinux2014` (2.17), `manylinux2010` (2.12) and `manylinux1`
/// (2.5) right after their PEP 600 equivalents.
pub fn manylinux_platforms(arch: Arch, glibc: (u32, u32)) -> Vec<String> {
    let arch = arch.as_str();
    // (major, minor) of the newest glibc that is *too old*: 2.16, or 2.4 on x86.
    let too_old: (i64, i64) = if arch == "x86_64" { (2, 4) } else { (2, 16) };
    let current = (i64::from(glibc.0), i64::from(glibc.1));
    let mut max_list = vec![current];
    // packaging assumes glibc 3.x would be compatible with all of 2.x, with 50 as the
    // (unknown) last 2.x minor.
    let mut major = current.0 - 1;
    while major > 1 {
        max_list.push((major, 50));
        major -= 1;
    }
    let mut out = Vec::new();
    for (max_major, max_minor) in max_list {
        let min_minor = if max_major == too_old.0 {
            too_old.1
        } else {
            -1
        };
        let mut minor = max_minor;
        while minor > min_minor {
            out.push(format!("manylinux_{max_major}_{minor}_{arch}"));
            let legacy = match (max_major, minor) {
                (2, 17) => Some("manylinux2014"),
                (2, 12) => Some("manylinux2010"),
                (2, 5) => Some("manylinux1"),
                _ => None,
            };
            if let Some(legacy) = legacy {
                out.push(format!("{legacy}_{arch}"));
            }
            minor -= 1;
        }
    }
    out
}

/// The Linux platform tags for `arch`, best first, as `packaging.tags` computes them for a
/// glibc CPython: `linux_{arch}` and the [`manylinux_platforms`], in the order `compat` says.
///
/// `musllinux` tags are never included: nixpkgs' default stdenv (and its Python) links
/// against glibc, so musl wheels cannot be loaded.
pub fn linux_platforms(arch: Arch, glibc: (u32, u32), compat: PackagingCompat) -> Vec<String> {
    let linux = format!("linux_{}", arch.as_str());
    let many = manylinux_platforms(arch, glibc);
    match compat {
        PackagingCompat::Since26_3 => std::iter::once(linux).chain(many).collect(),
        PackagingCompat::Before26_3 => many.into_iter().chain(std::iter::once(linux)).collect(),
    }
}

fn mac_binary_formats(
    version: (u32, u32),
    cpu_arch: &str,
    compat: PackagingCompat,
) -> Vec<&'static str> {
    match cpu_arch {
        "x86_64" => {
            if version < (10, 4) {
                return Vec::new();
            }
            let fat = match compat {
                PackagingCompat::Since26_3 => "fat3",
                PackagingCompat::Before26_3 => "fat32",
            };
            vec!["x86_64", "intel", "fat64", fat, "universal2", "universal"]
        }
        "arm64" => vec!["arm64", "universal2"],
        _ => Vec::new(),
    }
}

/// The macOS platform tags, best first, exactly as
/// `packaging.tags.mac_platforms(version, cpu_arch)` yields them, for `cpu_arch` `x86_64` or
/// `arm64` (other architectures yield nothing).
pub fn mac_platforms(version: (u32, u32), cpu_arch: &str, compat: PackagingCompat) -> Vec<String> {
    let mut out = Vec::new();
    let push_all = |major: u32, minor: u32, out: &mut Vec<String>| {
        for format in mac_binary_formats((major, minor), cpu_arch, compat) {
            out.push(format!("macosx_{major}_{minor}_{format}"));
        }
    };
    if ((10, 0)..(11, 0)).contains(&version) {
        for minor in (0..=version.1).rev() {
            push_all(10, minor, &mut out);
        }
    }
    if version >= (11, 0) {
        for major in (11..=version.0).rev() {
            push_all(major, 0, &mut out);
        }
        for minor in (4..=16).rev() {
            if cpu_arch == "x86_64" {
                push_all(10, minor, &mut out);
            } else {
                out.push(format!("macosx_10_{minor}_universal2"));
            }
        }
    }
    out
}

/// The platform tags of `system` under `policy`, best first.
pub fn platforms(system: System, policy: &TagPolicy) -> Vec<String> {
    if system.is_linux() {
        linux_platforms(system.arch(), policy.glibc, policy.packaging)
    } else {
        mac_platforms(policy.macos, system.wheel_arch(), policy.packaging)
    }
}

/// Interns strings to dense ids.
#[derive(Debug, Clone, Default)]
struct Interner {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.ids.insert(s.to_string(), id);
        self.names.push(s.to_string());
        id
    }

    fn get(&self, s: &str) -> Option<u32> {
        self.ids.get(s).copied()
    }

    fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", String::as_str)
    }
}

/// The ordered list of tags CPython `major.minor` (the default, GIL-enabled, non-debug
/// build) supports on one Nix system, with O(1) lookup of a tag's priority.
///
/// The order is exactly that of `packaging.tags.sys_tags()` on such an interpreter:
/// `cpython_tags(python, [cpXY], platforms)` followed by
/// `compatible_tags(python, "cpXY", platforms)`:
///
/// 1. `cpXY-cpXY-{plat}`, `cpXY-abi3-{plat}`, `cpXY-none-{plat}` (each over all platforms),
///    then `cp3{Y-1}…cp32-abi3-{plat}`;
/// 2. `pyXY-none-{plat}`, `py3-none-{plat}`, `py3{Y-1}…py30-none-{plat}`;
/// 3. `cpXY-none-any`, `pyXY-none-any`, `py3-none-any`, `py3{Y-1}…py30-none-any`,
///
/// where the platforms are [`platforms`] of the system. Free-threaded ABIs (`cp313t`) and
/// `abi3t` are *not* included: nixpkgs' default `python3XX` is the GIL build, so wheels built
/// only for the free-threaded interpreter are incompatible.
#[derive(Debug, Clone)]
pub struct TargetTags {
    system: System,
    python: (u32, u32),
    policy: TagPolicy,
    platforms: Vec<String>,
    interpreters: Interner,
    abis: Interner,
    /// The platforms, then `any`.
    plats: Interner,
    /// The `(interpreter, abi)` pairs that go with every platform, best first: the tags begin
    /// with `rows[0]` over all platforms, then `rows[1]` over all platforms, …
    rows: Vec<(u32, u32)>,
    /// The pairs that go with `any`, best first: the tags after the rows' (platform `any`).
    any: Vec<(u32, u32)>,
    /// Per pair (`interpreter * abis + abi`): its first row, or [`NONE`].
    row_of: Vec<u32>,
    /// Per pair: its first position in `any`, or [`NONE`].
    any_of: Vec<u32>,
    /// Per interned platform: its first position in `platforms`, or [`NONE`] (`any`).
    plat_pos: Vec<u32>,
    /// The interned `any`.
    any_id: u32,
}

/// "None" in the index tables of [`TargetTags`].
const NONE: u32 = u32::MAX;

impl TargetTags {
    /// Computes the tags of CPython `python.0`.`python.1` on `system`.
    pub fn new(system: System, python: (u32, u32), policy: TagPolicy) -> TargetTags {
        let platforms = platforms(system, &policy);
        let mut t = TargetTags {
            system,
            python,
            policy,
            platforms: Vec::new(),
            interpreters: Interner::default(),
            abis: Interner::default(),
            plats: Interner::default(),
            rows: Vec::new(),
            any: Vec::new(),
            row_of: Vec::new(),
            any_of: Vec::new(),
            plat_pos: Vec::new(),
            any_id: NONE,
        };
        // every platform is interned once, here
        for (pos, p) in platforms.iter().enumerate() {
            let id = t.plats.intern(p) as usize;
            if id == t.plat_pos.len() {
                t.plat_pos.push(u32::try_from(pos).unwrap_or(NONE));
            }
        }
        t.any_id = t.plats.intern("any");
        if t.any_id as usize == t.plat_pos.len() {
            t.plat_pos.push(NONE);
        }
        let (major, minor) = python;
        let cp = format!("cp{major}{minor}");
        let abi3 = python >= (3, 2);
        // cpython_tags
        t.push_row(&cp, &cp);
        if abi3 {
            t.push_row(&cp, "abi3");
        }
        t.push_row(&cp, "none");
        if abi3 {
            for older in (2..minor).rev() {
                let interp = format!("cp{major}{older}");
                t.push_row(&interp, "abi3");
            }
        }
        // compatible_tags
        let mut py_range = vec![format!("py{major}{minor}"), format!("py{major}")];
        py_range.extend((0..minor).rev().map(|m| format!("py{major}{m}")));
        for py in &py_range {
            t.push_row(py, "none");
        }
        t.push_any(&cp, "none");
        for py in &py_range {
            t.push_any(py, "none");
        }
        // the pairs' first positions, now that every name is interned
        let abis = t.abis.names.len();
        let pairs = t.interpreters.names.len() * abis;
        let first = |list: &[(u32, u32)]| {
            let mut of = vec![NONE; pairs];
            for (k, &(i, a)) in list.iter().enumerate() {
                let at = &mut of[i as usize * abis + a as usize];
                if *at == NONE {
                    *at = u32::try_from(k).unwrap_or(NONE);
                }
            }
            of
        };
        t.row_of = first(&t.rows);
        t.any_of = first(&t.any);
        t.platforms = platforms;
        t
    }

    /// `interp-abi-{plat}` for every platform, after the tags so far.
    fn push_row(&mut self, interp: &str, abi: &str) {
        let pair = (self.interpreters.intern(interp), self.abis.intern(abi));
        self.rows.push(pair);
    }

    /// `interp-abi-any`, after the tags so far (all rows come before).
    fn push_any(&mut self, interp: &str, abi: &str) {
        let pair = (self.interpreters.intern(interp), self.abis.intern(abi));
        self.any.push(pair);
    }

    /// The priority of an interned triple (the first position of the tag), if it is a tag.
    fn interned_priority(&self, i: u32, a: u32, p: u32) -> Option<usize> {
        let pair = i as usize * self.abis.names.len() + a as usize;
        let mut best = None;
        let (row, pos) = (self.row_of[pair], self.plat_pos[p as usize]);
        if row != NONE && pos != NONE {
            best = Some(row as usize * self.platforms.len() + pos as usize);
        }
        let any = self.any_of[pair];
        if p == self.any_id && any != NONE && best.is_none() {
            best = Some(self.rows.len() * self.platforms.len() + any as usize);
        }
        best
    }

    /// The target system.
    pub fn system(&self) -> System {
        self.system
    }

    /// The target CPython (major, minor).
    pub fn python(&self) -> (u32, u32) {
        self.python
    }

    /// The policy the tags were computed with.
    pub fn policy(&self) -> &TagPolicy {
        &self.policy
    }

    /// The platform tags, best first.
    pub fn platforms(&self) -> &[String] {
        &self.platforms
    }

    /// Number of tags.
    pub fn len(&self) -> usize {
        self.rows.len() * self.platforms.len() + self.any.len()
    }

    /// `true` if there are no tags (never the case for the supported systems).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The tags as `(interpreter, abi, platform)`, best first; a tag's position is its priority.
    pub fn tags(&self) -> impl Iterator<Item = (&str, &str, &str)> + '_ {
        let names = |&(i, a): &(u32, u32)| (self.interpreters.name(i), self.abis.name(a));
        let rows = self.rows.iter().flat_map(move |pair| {
            let (i, a) = names(pair);
            self.platforms.iter().map(move |p| (i, a, p.as_str()))
        });
        let any = self.any.iter().map(move |pair| {
            let (i, a) = names(pair);
            (i, a, "any")
        });
        rows.chain(any)
    }

    /// The priority (position in [`TargetTags::tags`]) of one tag triple, if supported.
    /// Tags are compared case-sensitively; [`WheelFilename`] lower-cases its tags.
    pub fn tag_priority(&self, interpreter: &str, abi: &str, platform: &str) -> Option<usize> {
        self.interned_priority(
            self.interpreters.get(interpreter)?,
            self.abis.get(abi)?,
            self.plats.get(platform)?,
        )
    }

    /// `true` if `platform` is `any` or one of [`TargetTags::platforms`]; a wheel without such a
    /// platform tag has no [`priority`](TargetTags::priority).
    pub fn knows_platform(&self, platform: &str) -> bool {
        self.plats.get(platform).is_some()
    }

    /// The wheel's best (lowest) priority over all its tag triples, or `None` if no triple
    /// is supported. Does not allocate.
    pub fn priority(&self, wheel: &WheelFilename) -> Option<usize> {
        let mut best: Option<usize> = None;
        for py in wheel.python_tags() {
            let Some(i) = self.interpreters.get(py) else {
                continue;
            };
            for abi in wheel.abi_tags() {
                let Some(a) = self.abis.get(abi) else {
                    continue;
                };
                for plat in wheel.platform_tags() {
                    let Some(p) = self.plats.get(plat) else {
                        continue;
                    };
                    if let Some(prio) = self.interned_priority(i, a, p) {
                        best = Some(best.map_or(prio, |b| b.min(prio)));
                    }
                }
            }
        }
        best
    }

    /// `true` if the wheel has at least one supported tag triple.
    pub fn is_compatible(&self, wheel: &WheelFilename) -> bool {
        self.priority(wheel).is_some()
    }

    /// Picks the best wheel and returns its index in the iteration order, or `None` if none
    /// is compatible.
    ///
    /// Order: lowest [`priority`](TargetTags::priority) first; among equal priorities the
    /// higher build tag wins (no build tag loses to any build tag), then the wheel whose
    /// canonical file name ([`Display`](std::fmt::Display)) sorts first, then the earlier
    /// index. The result therefore does not depend on the input order except between
    /// identical file names.
    pub fn best<'a>(&self, wheels: impl Iterator<Item = &'a WheelFilename>) -> Option<usize> {
        let mut best: Option<(usize, usize, &'a WheelFilename)> = None;
        for (idx, wheel) in wheels.enumerate() {
            let Some(prio) = self.priority(wheel) else {
                continue;
            };
            let better = best.is_none_or(|(best_prio, _, best_wheel)| {
                preferred((prio, wheel), (best_prio, best_wheel))
            });
            if better {
                best = Some((prio, idx, wheel));
            }
        }
        best.map(|(_, idx, _)| idx)
    }

    fn target(&self) -> String {
        format!(
            "CPython {}.{} on {}",
            self.python.0, self.python.1, self.system
        )
    }

    /// A human-readable reason why `wheel` is not compatible with this target (or a note
    /// that it is, with its priority). Reasons are deduplicated and listed in file-name order.
    pub fn explain_incompatible(&self, wheel: &WheelFilename) -> String {
        match self.incompatibility(wheel) {
            None => format!(
                "{wheel} is compatible with {} (tag priority {})",
                self.target(),
                self.priority(wheel).unwrap_or_default()
            ),
            Some(reasons) => format!(
                "{wheel} is not compatible with {}: {reasons}",
                self.target()
            ),
        }
    }

    /// The reasons [`TargetTags::explain_incompatible`] gives (after the wheel and the target),
    /// `None` when the wheel is compatible.
    pub fn incompatibility(&self, wheel: &WheelFilename) -> Option<String> {
        if self.priority(wheel).is_some() {
            return None;
        }
        let mut reasons: Vec<String> = Vec::new();
        let mut add = |r: String| {
            if !reasons.contains(&r) {
                reasons.push(r);
            }
        };
        let plat_ok = |p: &str| p == "any" || self.plats.get(p).is_some();
        if !wheel.platform_tags().iter().any(&plat_ok) {
            for plat in wheel.platform_tags() {
                add(self.explain_platform(plat));
            }
        } else {
            for (py, abi, plat) in wheel.tag_triples() {
                if plat_ok(plat) {
                    add(self.explain_python_abi(py, abi, plat));
                }
            }
        }
        Some(reasons.join("; "))
    }

    /// The lowest macOS version, newer than the policy's, with which `wheel` would fit this Darwin
    /// target; `None` when it fits already, the target is not Darwin, or no macOS version would
    /// help (another architecture, Python or ABI).
    pub fn macos_needed(&self, wheel: &WheelFilename) -> Option<(u32, u32)> {
        if !self.system.is_darwin() || self.priority(wheel).is_some() {
            return None;
        }
        let mut versions: Vec<(u32, u32)> = wheel
            .platform_tags()
            .iter()
            .filter_map(|p| {
                let rest = p.strip_prefix("macosx_")?;
                let mut it = rest.splitn(3, '_');
                let maj = it.next()?.parse::<u32>().ok()?;
                let min = it.next()?.parse::<u32>().ok()?;
                it.next()?;
                Some((maj, min))
            })
            .filter(|v| *v > self.policy.macos && v.0 < 100)
            .collect();
        versions.sort_unstable();
        versions.dedup();
        versions.into_iter().find(|&v| {
            let raised = TargetTags::new(
                self.system,
                self.python,
                TagPolicy {
                    macos: v,
                    ..self.policy
                },
            );
            raised.priority(wheel).is_some()
        })
    }

    fn explain_platform(&self, plat: &str) -> String {
        let mut msg = format!("platform {plat} is not for {}", self.system);
        if plat.starts_with("musllinux") {
            msg.push_str(" (musl libc; nixpkgs' default stdenv uses glibc)");
        } else if let Some(rest) = plat.strip_prefix("manylinux_") {
            let mut it = rest.splitn(3, '_');
            if let (Some(maj), Some(min), Some(arch)) = (it.next(), it.next(), it.next()) {
                if arch == self.system.wheel_arch() && self.system.is_linux() {
                    let _ = write!(
                        msg,
                        " (needs glibc {maj}.{min}, newer than the assumed {}.{})",
                        self.policy.glibc.0, self.policy.glibc.1
                    );
                }
            }
        } else if let Some(rest) = plat.strip_prefix("macosx_") {
            let mut it = rest.splitn(3, '_');
            if let (Some(maj), Some(min), Some(_)) = (it.next(), it.next(), it.next()) {
                if self.system.is_darwin() && plat.ends_with(self.system.wheel_arch()) {
                    let _ = write!(
                        msg,
                        " (needs macOS {maj}.{min}, newer than the assumed {}.{})",
                        self.policy.macos.0, self.policy.macos.1
                    );
                }
            }
        }
        msg
    }

    fn explain_python_abi(&self, py: &str, abi: &str, plat: &str) -> String {
        let (major, minor) = self.python;
        let target = format!("CPython {major}.{minor}");
        if is_free_threaded_abi(abi) {
            return format!(
                "ABI {abi} (free-threaded) is not supported: the target is the default (GIL) {target}"
            );
        }
        if abi == "abi3t" {
            return format!("ABI abi3t (free-threaded stable ABI) is not supported by {target}");
        }
        if let Some(ver) = py.strip_prefix("cp").and_then(split_nodot) {
            if abi == "abi3" {
                if ver.0 != major || ver > (major, minor) {
                    return format!(
                        "{py}-abi3 wheel needs CPython >= {}.{}, target is {target}",
                        ver.0, ver.1
                    );
                }
            } else if ver != (major, minor) {
                return format!("{py} wheel for {target}");
            } else if abi != "none" && abi != py {
                return format!("ABI {abi} is not the ABI of {target} (cp{major}{minor})");
            }
        } else if let Some(ver) = py.strip_prefix("py").and_then(split_nodot_or_major) {
            if abi != "none" {
                return format!("ABI {abi} with python tag {py} is not supported by {target}");
            }
            if ver.0 != major || ver.1.is_some_and(|m| m > minor) {
                return format!("python tag {py} does not include {target}");
            }
        } else {
            return format!("interpreter {py} is not CPython");
        }
        format!(
            "tag {py}-{abi}-{plat} is not supported by {}",
            self.target()
        )
    }
}

/// `true` for free-threaded CPython ABIs such as `cp313t` (or debug `cp313td`).
pub fn is_free_threaded_abi(abi: &str) -> bool {
    abi.strip_prefix("cp").is_some_and(|rest| {
        let flags = rest.trim_start_matches(|c: char| c.is_ascii_digit());
        flags.len() < rest.len() && flags.contains('t')
    })
}

/// `"313"` → `(3, 13)` (first digit is the major version, as `packaging` writes it).
fn split_nodot(digits: &str) -> Option<(u32, u32)> {
    match split_nodot_or_major(digits)? {
        (major, Some(minor)) => Some((major, minor)),
        _ => None,
    }
}

/// `"3"` → `(3, None)`, `"313"` → `(3, Some(13))`.
fn split_nodot_or_major(digits: &str) -> Option<(u32, Option<u32>)> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (major, minor) = digits.split_at(1);
    let major = major.parse().ok()?;
    if minor.is_empty() {
        Some((major, None))
    } else {
        Some((major, Some(minor.parse().ok()?)))
    }
}

/// Whether a fitting wheel of tag priority `candidate.0` is chosen over the best so far,
/// `current` ([`TargetTags::best`]'s order): a lower priority number, then the higher build tag,
/// then the canonical file name that sorts first (an earlier wheel wins the remaining ties).
pub fn preferred(candidate: (usize, &WheelFilename), current: (usize, &WheelFilename)) -> bool {
    let ((prio, wheel), (best_prio, best)) = (candidate, current);
    prio < best_prio
        || (prio == best_prio
            && match wheel.build_tag().cmp(&best.build_tag()) {
                std::cmp::Ordering::Greater => true,
                std::cmp::Ordering::Less => false,
                std::cmp::Ordering::Equal => wheel.to_string() < best.to_string(),
            })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manylinux_lists_and_legacy_aliases() {
        let x86 = manylinux_platforms(Arch::X86_64, (2, 40));
        assert_eq!(
            x86.first().map(String::as_str),
            Some("manylinux_2_40_x86_64")
        );
        assert_eq!(x86.last().map(String::as_str), Some("manylinux1_x86_64"));
        // 36 versions 2.40..=2.5 plus three legacy aliases.
        assert_eq!(x86.len(), 36 + 3);
        let pos = |v: &[String], s: &str| v.iter().position(|p| p == s).unwrap();
        assert_eq!(
            pos(&x86, "manylinux2014_x86_64"),
            pos(&x86, "manylinux_2_17_x86_64") + 1
        );
        assert_eq!(
            pos(&x86, "manylinux2010_x86_64"),
            pos(&x86, "manylinux_2_12_x86_64") + 1
        );
        let arm = manylinux_platforms(Arch::Aarch64, (2, 40));
        assert_eq!(arm.len(), 24 + 1);
        assert_eq!(
            arm.last().map(String::as_str),
            Some("manylinux2014_aarch64")
        );
        assert!(manylinux_platforms(Arch::Aarch64, (2, 16)).is_empty());
    }

    #[test]
    fn linux_tag_position_follows_compat() {
        let new = linux_platforms(Arch::X86_64, DEFAULT_GLIBC, PackagingCompat::Since26_3);
        let old = linux_platforms(Arch::X86_64, DEFAULT_GLIBC, PackagingCompat::Before26_3);
        assert_eq!(new[0], "linux_x86_64");
        assert_eq!(old.last().map(String::as_str), Some("linux_x86_64"));
        assert!(new.iter().chain(&old).all(|p| !p.contains("musl")));
    }

    #[test]
    fn mac_lists() {
        let arm = mac_platforms((11, 0), "arm64", PackagingCompat::Since26_3);
        assert_eq!(
            &arm[..3],
            [
                "macosx_11_0_arm64",
                "macosx_11_0_universal2",
                "macosx_10_16_universal2"
            ]
        );
        assert_eq!(arm.len(), 2 + 13);
        let x86 = mac_platforms((10, 15), "x86_64", PackagingCompat::Before26_3);
        assert_eq!(
            &x86[..6],
            [
                "macosx_10_15_x86_64",
                "macosx_10_15_intel",
                "macosx_10_15_fat64",
                "macosx_10_15_fat32",
                "macosx_10_15_universal2",
                "macosx_10_15_universal"
            ]
        );
        assert!(x86.iter().all(|p| !p.contains("_10_3_")));
    }

    #[test]
    fn tag_order_and_free_threading() {
        let t = TargetTags::new(System::X86_64Linux, (3, 12), TagPolicy::default());
        let tags: Vec<String> = t.tags().map(|(a, b, c)| format!("{a}-{b}-{c}")).collect();
        let n = t.platforms().len();
        assert_eq!(tags[0], "cp312-cp312-linux_x86_64");
        assert_eq!(tags[n], "cp312-abi3-linux_x86_64");
        assert_eq!(tags[2 * n], "cp312-none-linux_x86_64");
        assert_eq!(tags[3 * n], "cp311-abi3-linux_x86_64");
        // cp311..cp32 abi3 = 10 interpreters; py312, py3, py311..py30 = 14.
        assert_eq!(tags.len(), 3 * n + 10 * n + 14 * n + 1 + 14);
        assert_eq!(tags[3 * n + 10 * n + 14 * n], "cp312-none-any");
        assert_eq!(tags.last().map(String::as_str), Some("py30-none-any"));
        assert!(tags
            .iter()
            .all(|t| !t.contains("cp312t") && !t.contains("abi3t")));
        assert_eq!(t.tag_priority("cp312", "cp312t", "linux_x86_64"), None);
        assert!(is_free_threaded_abi("cp313t") && is_free_threaded_abi("cp314td"));
        assert!(
            !is_free_threaded_abi("cp313")
                && !is_free_threaded_abi("abi3")
                && !is_free_threaded_abi("cpt")
        );
    }

    /// The tag list built the way `packaging` writes it out, one string triple per tag.
    fn listed(system: System, python: (u32, u32), policy: TagPolicy) -> Vec<[String; 3]> {
        let plats = platforms(system, &policy);
        let (major, minor) = python;
        let cp = format!("cp{major}{minor}");
        let mut rows = vec![(cp.clone(), cp.clone())];
        if python >= (3, 2) {
            rows.push((cp.clone(), "abi3".to_string()));
        }
        rows.push((cp.clone(), "none".to_string()));
        if python >= (3, 2) {
            rows.extend(
                (2..minor)
                    .rev()
                    .map(|o| (format!("cp{major}{o}"), "abi3".to_string())),
            );
        }
        let mut py_range = vec![format!("py{major}{minor}"), format!("py{major}")];
        py_range.extend((0..minor).rev().map(|m| format!("py{major}{m}")));
        rows.extend(py_range.iter().map(|p| (p.clone(), "none".to_string())));
        let mut out: Vec<[String; 3]> = rows
            .iter()
            .flat_map(|(i, a)| plats.iter().map(move |p| [i.clone(), a.clone(), p.clone()]))
            .collect();
        out.push([cp, "none".to_string(), "any".to_string()]);
        out.extend(
            py_range
                .into_iter()
                .map(|p| [p, "none".to_string(), "any".to_string()]),
        );
        out
    }

    /// Every triple's priority is its first position in the list, for every name the target
    /// knows and some it does not; `tags()` is the list.
    #[test]
    fn priority_is_the_first_position() {
        let policies = [
            TagPolicy::default(),
            TagPolicy {
                packaging: PackagingCompat::Before26_3,
                ..TagPolicy::default()
            },
            TagPolicy {
                glibc: (2, 17),
                macos: (10, 9),
                ..TagPolicy::default()
            },
            TagPolicy {
                glibc: (3, 1),
                macos: (11, 0),
                ..TagPolicy::default()
            },
            TagPolicy {
                macos: (15, 2),
                ..TagPolicy::default()
            },
        ];
        let systems = [
            System::X86_64Linux,
            System::Aarch64Linux,
            System::X86_64Darwin,
            System::Aarch64Darwin,
        ];
        for system in systems {
            for policy in policies {
                for python in [(3, 0), (3, 1), (3, 2), (3, 10), (3, 12), (3, 14)] {
                    let t = TargetTags::new(system, python, policy);
                    let list = listed(system, python, policy);
                    let tags: Vec<[String; 3]> = t
                        .tags()
                        .map(|(i, a, p)| [i.to_string(), a.to_string(), p.to_string()])
                        .collect();
                    assert_eq!(tags, list, "{system} {python:?} {policy:?}");
                    assert_eq!(t.len(), list.len());
                    let mut first: std::collections::HashMap<&[String; 3], usize> =
                        std::collections::HashMap::new();
                    for (k, tag) in list.iter().enumerate() {
                        first.entry(tag).or_insert(k);
                    }
                    let names = |n: &Interner, more: &[&str]| {
                        let mut v: Vec<String> = n.names.clone();
                        v.extend(more.iter().map(|s| s.to_string()));
                        v
                    };
                    let interps = names(&t.interpreters, &["cp399", "py2", "pp310"]);
                    let abis = names(&t.abis, &["cp313t", "abi3t", "cp27mu"]);
                    let plats = names(&t.plats, &["win_amd64", "musllinux_1_2_x86_64"]);
                    for i in &interps {
                        for a in &abis {
                            for p in &plats {
                                let key = [i.clone(), a.clone(), p.clone()];
                                assert_eq!(
                                    t.tag_priority(i, a, p),
                                    first.get(&key).copied(),
                                    "{i}-{a}-{p} on {system} {python:?} {policy:?}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}
