//! Choosing one artifact per package for a target.

use lock2nix_lock::{GitSource, Hash, Package, RegistrySource, SdistLocator, Source, WheelLocator};
use lock2nix_wheel::TargetTags;

use crate::target::{Prefer, Target};
use crate::ResolveError;

/// Where a registry file is: a URL, or a path relative to a local registry (find-links
/// directory) of the workspace.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Location {
    Url(String),
    /// A path relative to the workspace root.
    Path(String),
}

impl Location {
    /// The URL or path as written.
    pub fn as_str(&self) -> &str {
        match self {
            Location::Url(s) | Location::Path(s) => s,
        }
    }
}

/// What a direct URL or local file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArchiveKind {
    /// A wheel (`.whl`).
    Wheel,
    /// A source archive.
    Sdist,
}

/// What the overlay will fetch or build for a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Artifact {
    /// A wheel from a registry.
    Wheel {
        /// Index into [`Package::wheels`].
        index: usize,
        /// Where it is.
        location: Location,
        /// The wheel's file name as published (the locator's last segment, percent-decoded).
        filename: String,
        /// The lock's hash.
        hash: Option<Hash>,
        /// True when the wheel holds no compiled code (platform `any`).
        pure: bool,
    },
    /// A source distribution from a registry.
    Sdist {
        /// Where it is.
        location: Location,
        /// The lock's hash.
        hash: Option<Hash>,
    },
    /// A git checkout.
    Git(GitSource),
    /// A direct URL to an archive.
    Url {
        /// The URL.
        url: String,
        /// `subdirectory`.
        subdirectory: Option<String>,
        /// The lock's hash (of the sdist or the wheel).
        hash: Option<Hash>,
        /// Wheel or sdist.
        kind: ArchiveKind,
    },
    /// A local archive.
    Path {
        /// The path, relative to the workspace root.
        path: String,
        /// The lock's hash.
        hash: Option<Hash>,
        /// Wheel or sdist.
        kind: ArchiveKind,
    },
    /// A local source tree.
    Directory(String),
    /// A workspace member (editable).
    Editable(String),
    /// A virtual project (not built).
    Virtual(String),
}

impl Artifact {
    /// `wheel`, `sdist`, `git`, `url`, `path`, `directory`, `editable` or `virtual`.
    pub fn kind(&self) -> &'static str {
        match self {
            Artifact::Wheel { .. } => "wheel",
            Artifact::Sdist { .. } => "sdist",
            Artifact::Git(_) => "git",
            Artifact::Url { .. } => "url",
            Artifact::Path { .. } => "path",
            Artifact::Directory(_) => "directory",
            Artifact::Editable(_) => "editable",
            Artifact::Virtual(_) => "virtual",
        }
    }

    /// The URL when the artifact is remote.
    pub fn url(&self) -> Option<&str> {
        match self {
            Artifact::Wheel {
                location: Location::Url(url),
                ..
            }
            | Artifact::Sdist {
                location: Location::Url(url),
                ..
            } => Some(url),
            Artifact::Url { url, .. } => Some(url),
            Artifact::Git(g) => Some(&g.repository),
            _ => None,
        }
    }

    /// The file name when the artifact is a file (the last segment of its URL or path,
    /// percent-decoded).
    pub fn filename(&self) -> Option<String> {
        match self {
            Artifact::Wheel { filename, .. } => Some(filename.clone()),
            Artifact::Sdist { location, .. } => Some(decoded_basename(location.as_str())),
            Artifact::Url { url, .. } => Some(decoded_basename(url)),
            Artifact::Path { path, .. } => Some(decoded_basename(path)),
            _ => None,
        }
    }

    /// The lock's hash of the file, when there is one.
    pub fn hash(&self) -> Option<&Hash> {
        match self {
            Artifact::Wheel { hash, .. }
            | Artifact::Sdist { hash, .. }
            | Artifact::Url { hash, .. }
            | Artifact::Path { hash, .. } => hash.as_ref(),
            _ => None,
        }
    }
}

/// The last path segment, percent-decoded (kept as is when it does not decode to UTF-8).
fn decoded_basename(url: &str) -> String {
    let b = basename(url);
    percent_encoding::percent_decode_str(b)
        .decode_utf8()
        .map_or_else(|_| b.to_string(), |d| d.into_owned())
}

/// `s` percent-decoded, `None` when that is not UTF-8 (borrowed, without decoding, when `s` has
/// no `%`).
fn percent_decoded(s: &str) -> Option<std::borrow::Cow<'_, str>> {
    if memchr::memchr(b'%', s.as_bytes()).is_none() {
        return Some(std::borrow::Cow::Borrowed(s));
    }
    percent_encoding::percent_decode_str(s).decode_utf8().ok()
}

fn basename(url: &str) -> &str {
    let end = memchr::memchr2(b'?', b'#', url.as_bytes()).unwrap_or(url.len());
    // `?`, `#` and `/` are ASCII: both cuts are on character boundaries
    let path = url.get(..end).unwrap_or(url);
    let start = memchr::memrchr(b'/', path.as_bytes()).map_or(0, |i| i + 1);
    path.get(start..).unwrap_or(path)
}

/// Whether every tag of a platform tag set is `any` (`any`, `any.any`, …): what
/// [`lock2nix_wheel::WheelFilename::is_pure`] answers, without splitting the set at each `.`.
fn all_any(set: &str) -> bool {
    let b = set.as_bytes();
    b.len() % 4 == 3
        && b.chunks(4)
            .all(|c| c.starts_with(b"any") && c.get(3).is_none_or(|&d| d == b'.'))
}

fn is_wheel_name(s: &str) -> bool {
    let b = basename(s).as_bytes();
    b.len() >= 4 && b[b.len() - 4..].eq_ignore_ascii_case(b".whl")
}

/// The target's tags, with a pre-filter on platform tags.
///
/// Most wheels of a package are for other platforms, and many wheels of a lock share one
/// platform tag set (`win_amd64`, `manylinux_2_17_x86_64.manylinux2014_x86_64`): whether any of
/// a set's tags is one the target knows ([`TargetTags::knows_platform`]) is found once per set
/// text, and a wheel whose set has none is rejected without [`TargetTags::priority`]. A wheel
/// with a priority has such a tag, so the choice is the same as [`TargetTags::best`] over all
/// wheels.
pub(crate) struct Tags<'l> {
    tags: TargetTags,
    /// Platform tag set text → whether one of its tags is known (the lock's text: a randomly
    /// seeded hasher).
    known: std::cell::RefCell<foldhash::HashMap<&'l str, bool>>,
    /// The last answers of `known`, one per slot chosen by a set's length and last eight bytes
    /// (a wheel's set is compared with its slot's whole text; a slot holds the last set asked
    /// for there): nearly every wheel's set is one a few packages back had, and this finds it
    /// without hashing the text. Slots that collide only send a set on to `known`.
    recent: Box<[Recent<'l>]>,
    /// (python, abi, platform) tag set texts of a wheel that may fit → its
    /// [`TargetTags::priority`] (which looks every tag of the three sets up): a lock repeats a
    /// few hundred such triples (`cp312-cp312-manylinux_…`, `py3-none-any`) over thousands of
    /// wheels. The lock's text: a randomly seeded hasher.
    priorities: std::cell::RefCell<foldhash::HashMap<TagTexts<'l>, Option<usize>>>,
}

impl<'l> Tags<'l> {
    pub(crate) fn new(tags: TargetTags) -> Self {
        Self {
            tags,
            // (room for the distinct sets and triples of a big lock's target without regrowing:
            // top-1000 has ~160 of each per Linux system)
            known: std::cell::RefCell::new(foldhash::HashMap::with_capacity_and_hasher(
                128,
                Default::default(),
            )),
            recent: (0..RECENT).map(|_| Default::default()).collect(),
            priorities: std::cell::RefCell::new(foldhash::HashMap::with_capacity_and_hasher(
                128,
                Default::default(),
            )),
        }
    }

    /// The `recent` slot of a platform tag set text.
    fn slot(set: &str) -> usize {
        let b = set.as_bytes();
        // (one load for the usual set of eight bytes or more, not a copy of a variable length)
        let tail = match b.len().checked_sub(8).and_then(|at| b.get(at..)) {
            Some(t) => <[u8; 8]>::try_from(t).map_or(0, u64::from_le_bytes),
            None => b.iter().fold(0u64, |h, &x| h << 8 | u64::from(x)),
        };
        let h = (tail ^ b.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        // (the top bits, which every input bit reaches)
        (h >> (64 - RECENT.trailing_zeros())) as usize
    }

    /// Whether one of `w`'s platform tags is known (found once per platform tag set text;
    /// looked up before inserting: nearly every set is there already).
    fn may_fit(&self, w: &'l lock2nix_wheel::WheelFilename) -> bool {
        let set = w.platform_tags();
        let text = set.as_str();
        let slot = &self.recent[Self::slot(text)];
        if let Some((last, known)) = slot.get() {
            if last == text {
                return known;
            }
        }
        let cached = self.known.borrow().get(text).copied();
        let known = cached.unwrap_or_else(|| {
            let known = set.iter().any(|p| self.tags.knows_platform(p));
            self.known.borrow_mut().insert(text, known);
            known
        });
        slot.set(Some((text, known)));
        known
    }

    /// [`TargetTags::priority`] of `w`, found once per (python, abi, platform) tag set texts.
    fn priority(&self, w: &'l lock2nix_wheel::WheelFilename) -> Option<usize> {
        let key = (
            w.python_tags().as_str(),
            w.abi_tags().as_str(),
            w.platform_tags().as_str(),
        );
        if let Some(&p) = self.priorities.borrow().get(&key) {
            return p;
        }
        let p = self.tags.priority(w);
        self.priorities.borrow_mut().insert(key, p);
        p
    }

    /// The index (into `wheels`) of the best wheel, as [`TargetTags::best`] would choose it (the
    /// same order: lowest priority, then the higher build tag, then the canonical file name that
    /// sorts first, then the earlier index), looking at the wheels that [`Tags::may_fit`] only.
    fn best(&self, wheels: &'l [lock2nix_lock::Wheel]) -> Option<usize> {
        let mut best: Option<(usize, usize, &'l lock2nix_wheel::WheelFilename)> = None;
        for (idx, w) in wheels.iter().enumerate() {
            let wheel = &w.filename;
            if !self.may_fit(wheel) {
                continue;
            }
            let Some(prio) = self.priority(wheel) else {
                continue;
            };
            let better = best.is_none_or(|(best_prio, _, best_wheel)| {
                lock2nix_wheel::preferred((prio, wheel), (best_prio, best_wheel))
            });
            if better {
                best = Some((prio, idx, wheel));
            }
        }
        best.map(|(_, idx, _)| idx)
    }
}

/// A slot of [`Tags`]'s last platform set answers: the set's text and whether it may fit.
type Recent<'l> = std::cell::Cell<Option<(&'l str, bool)>>;

/// A wheel's (python, abi, platform) tag set texts.
type TagTexts<'l> = (&'l str, &'l str, &'l str);

/// How many slots [`Tags`] keeps its last platform set answers in (a power of two).
const RECENT: usize = 256;

/// The lowest deployment target at which one of `pkg`'s wheels would fit a Darwin target, with that
/// wheel; `None` when no wheel would fit at any macOS version.
pub(crate) fn macos_need(pkg: &Package, tags: &Tags) -> Option<MacosNeed> {
    let target = tags.tags.policy().macos;
    pkg.wheels
        .iter()
        .filter_map(|w| {
            tags.tags
                .macos_needed(&w.filename)
                .map(|v| (v, w.filename.to_string()))
        })
        .min()
        .map(|(version, wheel)| MacosNeed {
            wheel,
            version,
            target,
        })
}

/// A wheel that would fit a Darwin target with a newer macOS deployment target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacosNeed {
    /// The wheel's file name.
    pub wheel: String,
    /// The macOS version it needs (`MAJOR`, `MINOR`).
    pub version: (u32, u32),
    /// The target's deployment target.
    pub target: (u32, u32),
}

impl std::fmt::Display for MacosNeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (a, b) = self.version;
        write!(
            f,
            "`{}` needs macOS {a}.{b} and the deployment target is {}.{}: to use it, raise the target with `--macos-deployment-target {a}.{b}` or `macos-deployment-target = \"{a}.{b}\"` under [target] in lock2nix.toml (the result then needs macOS {a}.{b} or newer)",
            self.wheel, self.target.0, self.target.1
        )
    }
}

/// Choose the artifact of `pkg` for `target`; `best_wheel` is [`best_wheel`]'s answer for it.
pub(crate) fn choose(
    pkg: &Package,
    target: &Target,
    tags: &Tags,
    best_wheel: Option<usize>,
) -> Result<Artifact, ResolveError> {
    match &pkg.source {
        Source::Git(g) => Ok(Artifact::Git(g.clone())),
        Source::Directory(d) => Ok(Artifact::Directory(d.clone())),
        Source::Editable(d) => Ok(Artifact::Editable(d.clone())),
        Source::Virtual(d) => Ok(Artifact::Virtual(d.clone())),
        Source::Url { url, subdirectory } => {
            let (kind, hash) = archive_of(pkg, url);
            Ok(Artifact::Url {
                url: url.clone(),
                subdirectory: subdirectory.clone(),
                hash,
                kind,
            })
        }
        Source::Path(p) => {
            let (kind, hash) = archive_of(pkg, p);
            Ok(Artifact::Path {
                path: p.clone(),
                hash,
                kind,
            })
        }
        Source::Registry(_) => choose_registry(pkg, target, tags, best_wheel),
    }
}

/// Whether a direct URL or file is a wheel, and the lock's hash of it.
fn archive_of(pkg: &Package, name: &str) -> (ArchiveKind, Option<Hash>) {
    if is_wheel_name(name) {
        (
            ArchiveKind::Wheel,
            pkg.wheels.first().and_then(|w| w.hash.clone()),
        )
    } else {
        (
            ArchiveKind::Sdist,
            pkg.sdist.as_ref().and_then(|s| s.hash.clone()),
        )
    }
}

/// The best wheel (its index) of a registry package for the target, unless the target's
/// no-binary settings exclude its wheels (for other sources: `None`, they are not wheels).
pub(crate) fn best_wheel<'l>(pkg: &'l Package, target: &Target, tags: &Tags<'l>) -> Option<usize> {
    match &pkg.source {
        Source::Registry(_) if !target.no_binary.contains(&pkg.name) => tags.best(&pkg.wheels),
        _ => None,
    }
}

/// Whether [`choose`] finds an artifact of `pkg` for `target`; `best_wheel` gives
/// [`best_wheel`]'s answer for it, asked for only when the sdist does not settle it.
pub(crate) fn has_artifact(
    pkg: &Package,
    target: &Target,
    best_wheel: impl FnOnce() -> Option<usize>,
) -> bool {
    match &pkg.source {
        Source::Registry(_) => usable_sdist(pkg, target).is_some() || best_wheel().is_some(),
        _ => true,
    }
}

/// A registry package's sdist, when the target's no-build settings allow building it (a
/// registry sdist always says where it is: the reader refuses one that does not).
fn usable_sdist<'p>(pkg: &'p Package, target: &Target) -> Option<&'p lock2nix_lock::Sdist> {
    if target.no_build.contains(&pkg.name) {
        return None;
    }
    pkg.sdist
        .as_ref()
        .filter(|s| !matches!(s.locator, SdistLocator::Metadata))
}

fn choose_registry(
    pkg: &Package,
    target: &Target,
    tags: &Tags,
    best_wheel: Option<usize>,
) -> Result<Artifact, ResolveError> {
    let no_binary = target.no_binary.contains(&pkg.name);
    let no_build = target.no_build.contains(&pkg.name);
    let sdist = usable_sdist(pkg, target);
    let sdist_location = |s: &lock2nix_lock::Sdist| match &s.locator {
        SdistLocator::Url(u) => Some(Location::Url(u.clone())),
        SdistLocator::Path(p) => Some(Location::Path(p.clone())),
        SdistLocator::Metadata => None,
    };
    let wheel_artifact = |i: usize| {
        let w = &pkg.wheels[i];
        let location = match &w.locator {
            WheelLocator::Url(u) => Location::Url(u.clone()),
            WheelLocator::Path(p) | WheelLocator::Filename(p) => Location::Path(p.clone()),
        };
        // The file's own name (e.g. `PyJWT-2.10.1-py3-none-any.whl`), not the normalised form
        // the parser prints (`pyjwt-…`): fetchers and installers see the real name.
        let filename = Some(basename(location.as_str()))
            .filter(|b| b.len() >= 4 && b.as_bytes()[b.len() - 4..].eq_ignore_ascii_case(b".whl"))
            .and_then(percent_decoded)
            .map_or_else(|| w.filename.to_string(), std::borrow::Cow::into_owned);
        Artifact::Wheel {
            index: i,
            location,
            filename,
            hash: w.hash.clone(),
            pure: all_any(w.filename.platform_tags().as_str()),
        }
    };
    let sdist_artifact = |s: &lock2nix_lock::Sdist| {
        sdist_location(s).map(|location| Artifact::Sdist {
            location,
            hash: s.hash.clone(),
        })
    };
    let chosen = match target.prefer {
        Prefer::Wheel => best_wheel
            .map(wheel_artifact)
            .or_else(|| sdist.and_then(sdist_artifact)),
        Prefer::Sdist => sdist
            .and_then(sdist_artifact)
            .or_else(|| best_wheel.map(wheel_artifact)),
    };
    chosen.ok_or_else(|| {
        let mut reasons: Vec<String> = pkg
            .wheels
            .iter()
            .map(|w| {
                let why = if no_binary {
                    "wheels are disabled for this package (no-binary)".to_string()
                } else {
                    // only the reasons: the error states the file name and the target
                    // (a wheel that fits is never rejected here; it would get the whole note)
                    tags.tags
                        .incompatibility(&w.filename)
                        .unwrap_or_else(|| tags.tags.explain_incompatible(&w.filename))
                };
                format!("{}: {}", w.filename, why)
            })
            .collect();
        reasons.sort();
        let sdist_note = match (&pkg.sdist, no_build) {
            (None, _) => "the lock has no sdist".to_string(),
            (Some(_), true) => "the sdist may not be built (no-build)".to_string(),
            (Some(_), false) => unreachable_sdist_note(),
        };
        let registry = match &pkg.source {
            Source::Registry(RegistrySource::Url(u) | RegistrySource::Path(u)) => u.clone(),
            _ => String::new(),
        };
        let macos = if no_binary {
            None
        } else {
            macos_need(pkg, tags).map(Box::new)
        };
        ResolveError::NoArtifact {
            package: pkg.display_id(),
            target: target.to_string(),
            registry,
            rejected: reasons,
            sdist: sdist_note,
            macos,
        }
    })
}

fn unreachable_sdist_note() -> String {
    // An allowed sdist is always chosen before we get here; keep a truthful message anyway.
    "the sdist was not usable".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lock2nix_wheel::{System, TagPolicy};

    #[test]
    fn all_any_is_is_pure() {
        for platform in [
            "any",
            "any.any",
            "any.any.any",
            "anyx",
            "any.",
            ".any",
            "any..any",
            "any.manylinux1_x86_64",
            "manylinux1_x86_64.any",
            "win_amd64",
            "ANY",
            "an",
            "anya.any",
        ] {
            let name = format!("a-1.0-py3-none-{platform}.whl");
            let Ok(w) = name.parse::<lock2nix_wheel::WheelFilename>() else {
                continue;
            };
            assert_eq!(
                all_any(w.platform_tags().as_str()),
                w.is_pure(),
                "{platform}"
            );
        }
    }

    #[test]
    fn percent_decoded_without_percent_is_itself() {
        for s in [
            "a-1.0-py3-none-any.whl",
            "a%2Bb-1.0.whl",
            "%FF.whl",
            "é.whl",
            "",
        ] {
            let want = percent_encoding::percent_decode_str(s).decode_utf8().ok();
            assert_eq!(percent_decoded(s), want, "{s}");
        }
    }

    /// The pre-filter never changes the choice: every package of every real lock, every
    /// system, CPython 3.10-3.14.
    #[test]
    fn prefiltered_best_equals_target_tags_best() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let mut checked = 0;
        for dir in [
            "authentik",
            "locks/top-300",
            "locks/top-1000",
            "locks/top-1500",
            "locks/workspace-mixed",
        ] {
            let lock = lock2nix_lock::read_lock(&root.join(dir).join("uv.lock")).unwrap();
            for system in [
                System::X86_64Linux,
                System::Aarch64Linux,
                System::X86_64Darwin,
                System::Aarch64Darwin,
            ] {
                for minor in 10..=14 {
                    let plain = TargetTags::new(system, (3, minor), TagPolicy::default());
                    let tags = Tags::new(plain.clone());
                    for p in &lock.packages {
                        let want = plain.best(p.wheels.iter().map(|w| &w.filename));
                        assert_eq!(
                            tags.best(&p.wheels),
                            want,
                            "{} on {system} 3.{minor}",
                            p.display_id()
                        );
                        checked += usize::from(!p.wheels.is_empty());
                    }
                }
            }
        }
        assert!(checked > 20_000, "{checked}");
    }
}
