//! One `[[package]]` of the layout uv writes, read straight from its text into a [`RawPackage`],
//! without building the TOML tree.
//!
//! Like [`crate::fast_toml`], it may only be faster, never different: it reads the subset uv
//! writes (bare keys, the keys a package, a dependency, an sdist and a wheel have, strings,
//! sizes, `[package.optional-dependencies]`, `[package.dev-dependencies]`, `[package.metadata]`
//! and `[package.metadata.requires-dev]` sections, requirement tables without `conflict`) and
//! returns `None` on anything else and on any error, TOML or semantic. The caller then reads
//! the package through the tree, which accepts it or reports the error as it always did. The
//! values are checked by the [`Reader`]'s own functions, so an accepted package is the one the
//! tree path reads, warnings included (the tests and the `lock` fuzz target compare them).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, PackageName};

use super::{RawDependency, RawPackage, Reader, SOURCE_KINDS};
use crate::cursor::KeyPath;
use crate::fast_toml::{is_bare, Parser};
use crate::hash::Hash;
use crate::limits::Limits;
use crate::model::*;

/// The deepest value a package read here holds (root 1, `package` 2, the package 3,
/// `optional-dependencies` 4, an extra's list 5, a dependency 6, its `source` 7, its string 8):
/// with a smaller [`Limits::max_depth`] the tree decides.
pub(super) const DEPTH: usize = 8;

/// The deepest value a package with `[package.metadata.requires-dev]` holds (the package 3,
/// `metadata` 4, `requires-dev` 5, a group's list 6, a requirement 7, its `extras` 8, an extra
/// 9); with a smaller [`Limits::max_depth`] the tree decides.
const REQUIRES_DEV_DEPTH: usize = 9;

/// The string keys of a requirement table other than `name` and `marker` (its source and
/// specifier), in the order of [`Requirement`]'s fields.
const REQUIREMENT_STRINGS: [&str; 9] = [
    "git",
    "url",
    "subdirectory",
    "path",
    "directory",
    "editable",
    "virtual",
    "specifier",
    "index",
];

/// The package whose text (from its `[[package]]` header on) is `text`, spans relative to its
/// start (`reader.ctx.base`); `None` (and the reader as it was) when the tree must decide.
pub(super) fn package(
    reader: &mut Reader<'_, '_>,
    text: &str,
    index: usize,
    limits: &Limits,
    scratch: &mut Scratch,
) -> Option<RawPackage> {
    if limits.max_depth < DEPTH {
        return None;
    }
    let warnings = reader.warnings.len();
    let top = KeyPath::Root;
    let pp = top.key("package");
    let mut direct = Direct {
        reader,
        s: Parser::new(text),
        limits,
        path: pp.index(index),
        scratch,
    };
    let raw = direct.package(index);
    if raw.is_none() {
        reader.warnings.truncate(warnings);
    }
    raw
}

struct Direct<'r, 'c, 's, 'i, 'p> {
    reader: &'r mut Reader<'c, 's>,
    s: Parser<'i>,
    limits: &'r Limits,
    /// `package[index]`.
    path: KeyPath<'p>,
    scratch: &'r mut Scratch,
}

/// Buffers that lists are read into, then copied out of at their exact size (a growing vector
/// leaves up to half its capacity unused, and the allocator's pages of every size it went
/// through), kept from one package to the next.
#[derive(Default)]
pub(super) struct Scratch {
    markers: Vec<Marker>,
    deps: Vec<RawDependency>,
    wheels: Vec<Wheel>,
    requirements: Vec<LockRequirement>,
}

/// Fill `buf` (emptied first) with `read`, then move its elements out into a vector of their
/// number; `buf` keeps its capacity.
fn exact<T>(buf: &mut Vec<T>, read: impl FnOnce(&mut Vec<T>) -> Option<()>) -> Option<Vec<T>> {
    buf.clear();
    read(buf)?;
    // not `mem::take`: the copy is the point (exact size; `buf` keeps its capacity)
    #[allow(clippy::drain_collect)]
    let out = buf.drain(..).collect();
    Some(out)
}

/// A list of at least this many elements (by [`Direct::lines_hint`]) is read straight into a
/// vector of that capacity: through a buffer, the buffer's growth and the copy out of it would
/// touch about three times the list's memory, in fresh pages (a workspace root's thousand
/// dependencies and requirements).
const BIG_LIST: usize = 64;

/// The fewest bytes a line of a multi-line list takes in uv's layout (`    { name = "a" },` and
/// its newline take 20): [`Direct::lines_hint`] counts at most one element per that many.
const MIN_LINE: usize = 16;

/// [`exact`], or for a list of `hint` ≥ [`BIG_LIST`] elements a vector of that capacity read
/// into directly (and shrunk to its length if the hint was over).
fn sized<T>(
    buf: &mut Vec<T>,
    hint: usize,
    read: impl FnOnce(&mut Vec<T>) -> Option<()>,
) -> Option<Vec<T>> {
    if hint < BIG_LIST {
        return exact(buf, read);
    }
    let mut out = Vec::with_capacity(hint);
    read(&mut out)?;
    out.shrink_to_fit();
    Some(out)
}

/// What the identity keys said, and whether a later key closed them.
#[derive(Default)]
struct Identity<'i> {
    name: Option<PackageName>,
    version: Option<(Cow<'i, str>, Version)>,
    source: Option<Source>,
    done: bool,
}

/// The parts of a package other than its identity, as they are read.
#[derive(Default)]
struct Body {
    resolution_markers: Option<Vec<Marker>>,
    deps: Option<Vec<RawDependency>>,
    optional: Option<BTreeMap<ExtraName, Vec<RawDependency>>>,
    dev: Option<BTreeMap<ExtraName, Vec<RawDependency>>>,
    sdist: Option<Sdist>,
    wheels: Option<Vec<Wheel>>,
    metadata: Option<Metadata>,
}

/// `[package.metadata]` as it is read.
#[derive(Default)]
struct Metadata {
    requires_dist: Option<Vec<LockRequirement>>,
    provides_extras: Option<Vec<ExtraName>>,
    requires_dev: Option<BTreeMap<GroupName, Vec<LockRequirement>>>,
}

/// The `[package.…]` section that `key = value` lines go to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Package,
    Optional,
    Dev,
    Metadata,
    RequiresDev,
}

impl<'i> Direct<'_, '_, '_, 'i, '_> {
    fn package(&mut self, index: usize) -> Option<RawPackage> {
        const HEADER: &[u8] = b"[[package]]";
        if !self.s.text().as_bytes().starts_with(HEADER) {
            return None;
        }
        self.s.pos = HEADER.len();
        self.s.end_of_line()?;
        let mut id = Identity::default();
        let mut body = Body::default();
        let mut section = Section::Package;
        loop {
            self.s.skip_ws();
            match self.s.peek() {
                None => break,
                Some(b'\n') => {
                    self.s.pos += 1;
                    continue;
                }
                Some(b'#') => self.s.comment()?,
                Some(b'[') => {
                    self.close_identity(&mut id)?;
                    section = self.section(&mut body)?;
                }
                Some(_) => match section {
                    Section::Package => self.package_entry(&mut id, &mut body)?,
                    Section::Optional => self.group_entry(body.optional.as_mut()?, section)?,
                    Section::Dev => self.group_entry(body.dev.as_mut()?, section)?,
                    Section::Metadata => self.metadata_entry(body.metadata.as_mut()?)?,
                    Section::RequiresDev => {
                        let groups = body.metadata.as_mut()?.requires_dev.as_mut()?;
                        self.requires_dev_entry(groups)?
                    }
                },
            }
            self.s.end_of_line()?;
        }
        self.close_identity(&mut id)?;
        let span = self.reader.abs(0..HEADER.len());
        Some(RawPackage {
            package: Package {
                name: id.name?,
                version: id.version.map(|(_, v)| v),
                source: id.source?,
                resolution_markers: body.resolution_markers.unwrap_or_default(),
                dependencies: Vec::new(),
                optional_dependencies: BTreeMap::new(),
                dev_dependencies: BTreeMap::new(),
                sdist: body.sdist,
                wheels: body.wheels.unwrap_or_default(),
                metadata: body.metadata.map(|m| PackageMetadata {
                    requires_dist: m.requires_dist.unwrap_or_default(),
                    provides_extras: m.provides_extras.unwrap_or_default(),
                    requires_dev: m.requires_dev.unwrap_or_default(),
                }),
                // the header is the text's first line
                line: 1,
            },
            deps: body.deps.unwrap_or_default(),
            optional: body.optional.unwrap_or_default(),
            dev: body.dev.unwrap_or_default(),
            span,
            index,
        })
    }

    /// The identity is complete once another key comes: a name and a source, and a version
    /// unless the source is a tree.
    fn close_identity(&mut self, id: &mut Identity<'i>) -> Option<()> {
        if !id.done {
            let source = id.source.as_ref()?;
            id.name.as_ref()?;
            if id.version.is_none() && !source.is_source_tree() {
                return None;
            }
            id.done = true;
        }
        Some(())
    }

    /// `[package.optional-dependencies]`, `[package.dev-dependencies]`, `[package.metadata]` or
    /// (after it) `[package.metadata.requires-dev]`, each at most once.
    fn section(&mut self, body: &mut Body) -> Option<Section> {
        const SECTIONS: [(Section, &[u8]); 4] = [
            (Section::Optional, b"[package.optional-dependencies]"),
            (Section::Dev, b"[package.dev-dependencies]"),
            (Section::Metadata, b"[package.metadata]"),
            (Section::RequiresDev, b"[package.metadata.requires-dev]"),
        ];
        let rest = &self.s.text().as_bytes()[self.s.pos..];
        let &(section, header) = SECTIONS.iter().find(|(_, h)| rest.starts_with(h))?;
        let fresh = match section {
            Section::Optional => body.optional.replace(BTreeMap::new()).is_none(),
            Section::Dev => body.dev.replace(BTreeMap::new()).is_none(),
            Section::Metadata => body.metadata.replace(Metadata::default()).is_none(),
            Section::RequiresDev => {
                // a group's requirement's extras are one level deeper than anything else here
                if self.limits.max_depth < REQUIRES_DEV_DEPTH {
                    return None;
                }
                let metadata = body.metadata.as_mut()?;
                metadata.requires_dev.replace(BTreeMap::new()).is_none()
            }
            Section::Package => false,
        };
        if !fresh {
            return None;
        }
        self.s.pos += header.len();
        Some(section)
    }

    /// A bare key, then `=`: the key and its span (inlined: read some 60,000 times in a big
    /// lock, its call costs about as much as its work).
    #[inline(always)]
    fn key(&mut self) -> Option<(&'i str, Range<usize>)> {
        let text = self.s.text();
        let start = self.s.pos;
        let len = text.as_bytes()[start..]
            .iter()
            .position(|&b| !is_bare(b))
            .unwrap_or(text.len() - start);
        if len == 0 {
            return None;
        }
        self.s.pos += len;
        self.s.skip_ws();
        if self.s.peek()? != b'=' {
            return None;
        }
        self.s.pos += 1;
        self.s.skip_ws();
        Some((&text[start..start + len], start..start + len))
    }

    /// A `key = value` line of the package table.
    fn package_entry(&mut self, id: &mut Identity<'i>, body: &mut Body) -> Option<()> {
        let (key, _) = self.key()?;
        let p = self.path;
        match key {
            "name" | "version" | "source" if id.done => None,
            "name" => {
                let (s, span) = self.string()?;
                let name = self.reader.name(&s, span, &p.key("name")).ok()?;
                none_before(&mut id.name, name)
            }
            "version" => {
                let (s, span) = self.string()?;
                let v = self.reader.ctx.parse_version(&s, span, &p.key("version"));
                none_before(&mut id.version, (s, v.ok()?))
            }
            "source" => {
                let source = self.source(&p.key("source"))?;
                none_before(&mut id.source, source)
            }
            _ => {
                self.close_identity(id)?;
                self.body_entry(key, id, body)
            }
        }
    }

    /// A key of the package table after its identity.
    fn body_entry(&mut self, key: &str, id: &Identity<'i>, body: &mut Body) -> Option<()> {
        let p = self.path;
        match key {
            "resolution-markers" => {
                let markers = self.markers(&p.key("resolution-markers"))?;
                none_before(&mut body.resolution_markers, markers)
            }
            "dependencies" => {
                let deps = self.dependencies(&p.key("dependencies"))?;
                none_before(&mut body.deps, deps)
            }
            "sdist" => {
                let sdist = self.sdist(id.source.as_ref()?)?;
                none_before(&mut body.sdist, sdist)
            }
            "wheels" => {
                let wheels = self.wheels(id)?;
                none_before(&mut body.wheels, wheels)
            }
            _ => None,
        }
    }

    /// `extra = [ dependencies ]` in an optional-dependencies or dev-dependencies section.
    fn group_entry(
        &mut self,
        groups: &mut BTreeMap<ExtraName, Vec<RawDependency>>,
        section: Section,
    ) -> Option<()> {
        let (key, key_span) = self.key()?;
        let table = if section == Section::Optional {
            "optional-dependencies"
        } else {
            "dev-dependencies"
        };
        let path = self.path;
        let tp = path.key(table);
        let name: ExtraName = self.reader.extra(key, key_span, &tp).ok()?;
        // a key written unnormalised could share its name with another: the tree decides
        if name.as_ref() != key || groups.contains_key(&name) {
            return None;
        }
        let deps = self.dependencies(&tp.key(key))?;
        groups.insert(name, deps);
        Some(())
    }

    /// A `key = value` line of `[package.metadata]`.
    fn metadata_entry(&mut self, metadata: &mut Metadata) -> Option<()> {
        let (key, _) = self.key()?;
        let path = self.path;
        let mp = path.key("metadata");
        match key {
            "requires-dist" => {
                let reqs = self.requirements(&mp.key("requires-dist"))?;
                none_before(&mut metadata.requires_dist, reqs)
            }
            "provides-extras" => {
                let extras = self.extras(&mp.key("provides-extras"))?;
                none_before(&mut metadata.provides_extras, extras)
            }
            _ => None,
        }
    }

    /// `group = [ requirements ]` in `[package.metadata.requires-dev]`.
    fn requires_dev_entry(
        &mut self,
        groups: &mut BTreeMap<GroupName, Vec<LockRequirement>>,
    ) -> Option<()> {
        let (key, key_span) = self.key()?;
        let path = self.path;
        let mp = path.key("metadata");
        let rp = mp.key("requires-dev");
        let name: GroupName = self.reader.extra(key, key_span, &rp).ok()?;
        // a key written unnormalised could share its name with another: the tree decides
        if name.as_ref() != key || groups.contains_key(&name) {
            return None;
        }
        let reqs = self.requirements(&rp.key(key))?;
        groups.insert(name, reqs);
        Some(())
    }

    /// `[ { name, … }, … ]`: requirement tables (no count limit, as through the tree).
    fn requirements(&mut self, p: &KeyPath<'_>) -> Option<Vec<LockRequirement>> {
        let hint = self.lines_hint();
        let mut buf = std::mem::take(&mut self.scratch.requirements);
        let out = sized(&mut buf, hint, |out| {
            self.array(|d, i| {
                out.push(d.requirement(&p.index(i))?);
                Some(())
            })
            .map(drop)
        });
        self.scratch.requirements = buf;
        out
    }

    /// A requirement table `{ name, extras, groups, marker, <source> | specifier, index }`
    /// (`conflict`, a PEP 508 string or any other key: the tree decides). The source is the
    /// first of `git`, `url` (with `subdirectory`), `path`, `directory`, `editable`, `virtual`,
    /// else the registry's `specifier` and `index`; the keys the tree's choice does not read are
    /// still required to be strings here.
    fn requirement(&mut self, p: &KeyPath<'_>) -> Option<LockRequirement> {
        if let Some((text, name_span, _)) = self.name_only() {
            let name = self.reader.name(text, name_span, &p.key("name")).ok()?;
            return Some(LockRequirement {
                name,
                extras: Vec::new(),
                groups: Vec::new(),
                marker: None,
                source: RequirementSource::Registry {
                    specifier: VersionSpecifiers::empty(),
                    index: None,
                    conflict: None,
                },
            });
        }
        let mut name = None;
        let mut extras = None;
        let mut groups = None;
        let mut marker = None;
        let mut strings: [Option<(Cow<'i, str>, Range<usize>)>; REQUIREMENT_STRINGS.len()] =
            Default::default();
        self.inline_table(|d, key| match key {
            "name" => {
                let (s, span) = d.string()?;
                none_before(&mut name, d.reader.name(&s, span, &p.key("name")).ok()?)
            }
            "extras" => {
                let e = d.extras(&p.key("extras"))?;
                none_before(&mut extras, e)
            }
            "groups" => {
                let g = d.extras(&p.key("groups"))?;
                none_before(&mut groups, g)
            }
            "marker" => {
                let (s, span) = d.string()?;
                let m = d.reader.marker(&s, span, &p.key("marker")).ok()?;
                none_before(&mut marker, m)
            }
            _ => {
                let i = REQUIREMENT_STRINGS.iter().position(|k| *k == key)?;
                let value = d.string()?;
                none_before(&mut strings[i], value)
            }
        })?;
        let owned = |v: Option<(Cow<'i, str>, Range<usize>)>| v.map(|(s, _)| s.into_owned());
        let [git, url, subdirectory, path, directory, editable, virtual_, specifier, index] =
            strings;
        let source = if let Some(git) = owned(git) {
            RequirementSource::Git(git)
        } else if let Some(url) = owned(url) {
            RequirementSource::Url {
                url,
                subdirectory: owned(subdirectory),
            }
        } else if let Some(path) = owned(path) {
            RequirementSource::Path(path)
        } else if let Some(directory) = owned(directory) {
            RequirementSource::Directory(directory)
        } else if let Some(editable) = owned(editable) {
            RequirementSource::Editable(editable)
        } else if let Some(virtual_) = owned(virtual_) {
            RequirementSource::Virtual(virtual_)
        } else {
            let specifier = match specifier {
                None => VersionSpecifiers::empty(),
                Some((s, span)) => self
                    .reader
                    .ctx
                    .parse_specifiers(&s, span, &p.key("specifier"))
                    .ok()?,
            };
            RequirementSource::Registry {
                specifier,
                index: owned(index),
                conflict: None,
            }
        };
        Some(LockRequirement {
            name: name?,
            extras: extras.unwrap_or_default(),
            groups: groups.unwrap_or_default(),
            marker,
            source,
        })
    }

    /// A string value and its span (quotes included).
    fn string(&mut self) -> Option<(Cow<'i, str>, Range<usize>)> {
        let start = self.s.pos;
        let s = match self.s.peek()? {
            b'"' => self.s.basic_string()?,
            b'\'' => self.s.literal_string()?,
            _ => return None,
        };
        self.end_of_value()?;
        Some((s, start..self.s.pos))
    }

    /// A `"sha256:<64 hex digits>"` value (what uv writes for nearly every file), read without
    /// scanning it for escapes and control characters first: hex digits are none of them, so the
    /// string is the 71 bytes between the quotes. `None`, and the parser where it was, for any
    /// other value.
    fn sha256(&mut self) -> Option<Hash> {
        const QUOTED: usize = 1 + "sha256:".len() + 64 + 1;
        let start = self.s.pos;
        let text = self.s.text();
        let quoted = text.as_bytes().get(start..start + QUOTED)?;
        if !quoted.starts_with(b"\"sha256:") || quoted.last() != Some(&b'"') {
            return None;
        }
        let hex = quoted.get(1 + "sha256:".len()..QUOTED - 1)?;
        let hash = Hash::sha256_hex(hex.try_into().ok()?)?;
        self.s.pos = start + QUOTED;
        if self.end_of_value().is_none() {
            self.s.pos = start;
            return None;
        }
        Some(hash)
    }

    /// A size: decimal digits (no sign, no leading zero) in the 64-bit range, and its span.
    fn size(&mut self) -> Option<(u64, Range<usize>)> {
        let text = self.s.text();
        let start = self.s.pos;
        let len = text.as_bytes()[start..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(text.len() - start);
        let digits = &text[start..start + len];
        if len == 0 || (len > 1 && digits.starts_with('0')) {
            return None;
        }
        let n: i64 = digits.parse().ok()?;
        self.s.pos += len;
        self.end_of_value()?;
        Some((u64::try_from(n).ok()?, start..self.s.pos))
    }

    /// A value runs up to a delimiter (as in [`crate::fast_toml`]).
    fn end_of_value(&self) -> Option<()> {
        match self.s.peek() {
            None | Some(b' ' | b'\t' | b'\n' | b',' | b']' | b'}' | b'#') => Some(()),
            _ => None,
        }
    }

    /// `{ key = value, … }` on one line: `entry` reads each value after its key; the table's span.
    fn inline_table(
        &mut self,
        mut entry: impl FnMut(&mut Self, &'i str) -> Option<()>,
    ) -> Option<Range<usize>> {
        let start = self.s.pos;
        if self.s.peek()? != b'{' {
            return None;
        }
        self.s.pos += 1;
        self.s.skip_ws();
        if self.s.peek()? == b'}' {
            self.s.pos += 1;
            return Some(start..self.s.pos);
        }
        loop {
            self.s.skip_ws();
            let (key, _) = self.key()?;
            entry(self, key)?;
            self.s.skip_ws();
            match self.s.peek()? {
                b',' => self.s.pos += 1,
                b'}' => {
                    self.s.pos += 1;
                    self.end_of_value()?;
                    return Some(start..self.s.pos);
                }
                _ => return None,
            }
        }
    }

    /// `[ value, … ]`, over lines, comments allowed: `element` reads each value (given its
    /// index and start offset); the array's span.
    fn array(
        &mut self,
        mut element: impl FnMut(&mut Self, usize) -> Option<()>,
    ) -> Option<Range<usize>> {
        let start = self.s.pos;
        if self.s.peek()? != b'[' {
            return None;
        }
        self.s.pos += 1;
        let mut i = 0;
        loop {
            self.s.skip_ws_comments_newlines()?;
            if self.s.peek()? == b']' {
                break;
            }
            element(self, i)?;
            i += 1;
            self.s.skip_ws_comments_newlines()?;
            match self.s.peek()? {
                b',' => self.s.pos += 1,
                b']' => break,
                _ => return None,
            }
        }
        self.s.pos += 1;
        self.end_of_value()?;
        Some(start..self.s.pos)
    }

    /// How many elements the array at the parser's position has if it is written as uv
    /// writes long ones, `[`, one element a line, `]` alone on the last: its lines up to the
    /// first that starts with `]`, at most one per [`MIN_LINE`] bytes of them; 0 when it does
    /// not start with `[` and a newline. Only a capacity hint.
    fn lines_hint(&self) -> usize {
        let rest = &self.s.text().as_bytes()[self.s.pos..];
        if !rest.starts_with(b"[\n") {
            return 0;
        }
        memchr::memchr_iter(b'\n', rest)
            .enumerate()
            .find(|&(_, at)| rest.get(at + 1) == Some(&b']'))
            .map_or(0, |(lines, at)| lines.min(at / MIN_LINE))
    }

    /// An array of marker strings.
    fn markers(&mut self, p: &KeyPath<'_>) -> Option<Vec<Marker>> {
        let mut buf = std::mem::take(&mut self.scratch.markers);
        let out = exact(&mut buf, |out| {
            self.array(|d, i| {
                let (s, span) = d.string()?;
                out.push(d.reader.marker(&s, span, &p.index(i)).ok()?);
                Some(())
            })
            .map(drop)
        });
        self.scratch.markers = buf;
        out
    }

    /// A source: a table naming its kind, or a legacy `kind+location` string.
    fn source(&mut self, p: &KeyPath<'_>) -> Option<Source> {
        if self.s.peek()? != b'{' {
            let (s, span) = self.string()?;
            return self.reader.legacy_source(&s, span, p).ok();
        }
        let mut kinds: [Option<(Cow<'i, str>, Range<usize>)>; SOURCE_KINDS.len()] =
            Default::default();
        let mut subdirectory = None;
        self.inline_table(|d, key| {
            let slot = match SOURCE_KINDS.iter().position(|k| *k == key) {
                Some(i) => &mut kinds[i],
                None if key == "subdirectory" => &mut subdirectory,
                None => return None,
            };
            let value = d.string()?;
            none_before(slot, value)
        })?;
        let (i, (location, span)) = kinds
            .iter()
            .enumerate()
            .find_map(|(i, k)| Some((i, k.as_ref()?)))?;
        let kind = SOURCE_KINDS[i];
        let subdirectory = subdirectory.as_ref().map(|(s, _)| s.as_ref());
        self.reader
            .source_of(kind, location, subdirectory, span.clone(), &p.key(kind))
            .ok()
    }

    /// `[ { name, version, source, extra, marker }, … ]`, within the count limit.
    fn dependencies(&mut self, p: &KeyPath<'_>) -> Option<Vec<RawDependency>> {
        let limit = self.limits.max_dependencies_per_package;
        let hint = self.lines_hint().min(limit);
        let mut buf = std::mem::take(&mut self.scratch.deps);
        let out = sized(&mut buf, hint, |out| {
            self.array(|d, i| {
                if i >= limit {
                    return None;
                }
                out.push(d.dependency(&p.index(i))?);
                Some(())
            })
            .map(drop)
        });
        self.scratch.deps = buf;
        out
    }

    fn dependency(&mut self, p: &KeyPath<'_>) -> Option<RawDependency> {
        if let Some((text, name_span, span)) = self.name_only() {
            let name = self.reader.name(text, name_span, &p.key("name")).ok()?;
            return Some(RawDependency {
                dep: Dependency {
                    name,
                    version: None,
                    source: None,
                    extras: Vec::new(),
                    marker: None,
                    target: usize::MAX,
                },
                span: self.reader.abs(span),
            });
        }
        let mut name = None;
        let mut version = None;
        let mut source = None;
        let mut extras = None;
        let mut marker = None;
        let span = self.inline_table(|d, key| match key {
            "name" => {
                let (s, span) = d.string()?;
                none_before(&mut name, d.reader.name(&s, span, &p.key("name")).ok()?)
            }
            "version" => {
                let (s, span) = d.string()?;
                let v = d.reader.ctx.parse_version(&s, span, &p.key("version"));
                none_before(&mut version, v.ok()?)
            }
            "source" => {
                let s = d.source(&p.key("source"))?;
                none_before(&mut source, s)
            }
            "extra" => {
                let e = d.extras(&p.key("extra"))?;
                none_before(&mut extras, e)
            }
            "marker" => {
                let (s, span) = d.string()?;
                let m = d.reader.marker(&s, span, &p.key("marker")).ok()?;
                none_before(&mut marker, m)
            }
            _ => None,
        })?;
        Some(RawDependency {
            dep: Dependency {
                name: name?,
                version,
                source: source.map(Box::new),
                extras: extras.unwrap_or_default(),
                marker,
                target: usize::MAX,
            },
            span: self.reader.abs(span),
        })
    }

    /// `{ name = "…" }` as uv writes a dependency or requirement that is only a name (its text
    /// letters, digits, `-`, `_` and `.`, so the basic string is that text as it is), read
    /// without the general table's key dispatch: the name, its span (quotes included) and the
    /// table's; `None`, and the parser where it was, for any other text (which
    /// [`Self::inline_table`] then reads, or refuses).
    fn name_only(&mut self) -> Option<(&'i str, Range<usize>, Range<usize>)> {
        const OPEN: &[u8] = b"{ name = \"";
        const CLOSE: &[u8] = b"\" }";
        let text = self.s.text();
        let start = self.s.pos;
        let rest = text.as_bytes().get(start..)?;
        let name = rest.get(OPEN.len()..).filter(|_| rest.starts_with(OPEN))?;
        let len = name
            .iter()
            .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))?;
        if len == 0 || !name[len..].starts_with(CLOSE) {
            return None;
        }
        let quote = start + OPEN.len() - 1;
        let end = quote + 1 + len + CLOSE.len();
        self.s.pos = end;
        if self.end_of_value().is_none() {
            self.s.pos = start;
            return None;
        }
        Some((
            &text[quote + 1..quote + 1 + len],
            quote..quote + 2 + len,
            start..end,
        ))
    }

    /// An array of extra names.
    fn extras(&mut self, p: &KeyPath<'_>) -> Option<Vec<ExtraName>> {
        let mut out = Vec::new();
        self.array(|d, _| {
            let (s, span) = d.string()?;
            out.push(d.reader.extra(&s, span, p).ok()?);
            Some(())
        })?;
        Some(out)
    }

    /// `{ url | path, hash, size, upload-time }`.
    fn sdist(&mut self, source: &Source) -> Option<Sdist> {
        let path = self.path;
        let sp = path.key("sdist");
        let start = self.s.pos;
        let (file, span) = match self.uv_file() {
            Some(file) => (file, start..self.s.pos),
            None => {
                let mut file = File::default();
                let span = self.inline_table(|d, key| d.file_entry(key, &mut file, &sp))?;
                (file, span)
            }
        };
        let url = file.url.as_ref().map(|(s, _)| s.as_ref());
        let path = file.path.as_ref().map(|(s, _)| s.as_ref());
        let locator = self
            .reader
            .sdist_locator(url, path, source, span, &sp)
            .ok()?;
        if file.filename.is_some() {
            return None;
        }
        Some(Sdist {
            locator,
            hash: file.hash,
            size: file.size,
            upload_time: file.upload_time,
        })
    }

    /// `[ { url | path | filename, hash, size, upload-time }, … ]`, within the count limit.
    fn wheels(&mut self, id: &Identity<'i>) -> Option<Vec<Wheel>> {
        let path = self.path;
        let wp = path.key("wheels");
        let limit = self.limits.max_wheels_per_package;
        let name = id.name.as_ref()?;
        let version = id.version.as_ref().map(|(text, v)| (text.as_ref(), v));
        let mut buf = std::mem::take(&mut self.scratch.wheels);
        let out = exact(&mut buf, |out| {
            self.array(|d, i| {
                if i >= limit {
                    return None;
                }
                let p = wp.index(i);
                let file = match d.uv_file() {
                    Some(file) => file,
                    None => {
                        let mut file = File::default();
                        d.inline_table(|d, key| d.file_entry(key, &mut file, &p))?;
                        file
                    }
                };
                out.push(d.wheel(file, &p, name, version)?);
                Some(())
            })
            .map(drop)
        });
        self.scratch.wheels = buf;
        out
    }

    fn wheel(
        &mut self,
        file: File<'i>,
        p: &KeyPath<'_>,
        name: &PackageName,
        version: Option<(&str, &Version)>,
    ) -> Option<Wheel> {
        let (locator, span, key) = if let Some((s, span)) = file.url {
            (WheelLocator::Url(s.into_owned()), span, "url")
        } else if let Some((s, span)) = file.path {
            (WheelLocator::Path(s.into_owned()), span, "path")
        } else if let Some((s, span)) = file.filename {
            (WheelLocator::Filename(s.into_owned()), span, "filename")
        } else {
            return None;
        };
        let filename = self
            .reader
            .wheel_filename(&locator, span, key, p, name, version)
            .ok()?;
        Some(Wheel {
            locator,
            filename,
            hash: file.hash,
            size: file.size,
            upload_time: file.upload_time,
            zstd: None,
        })
    }

    /// An sdist or wheel table in the one-line layout uv writes for a registry's files,
    /// `{ url = "…", hash = "sha256:…", size = N, upload-time = "…" }` (keys in that order, one
    /// space around each `=` and after each `,`), read without the general table's key dispatch;
    /// `None`, and the parser where it was, for any other text (which [`Self::inline_table`] with
    /// [`Self::file_entry`] then reads, or refuses). Each value is checked as `file_entry` checks
    /// it, so what is read here is what it reads.
    fn uv_file(&mut self) -> Option<File<'i>> {
        let start = self.s.pos;
        let file = self.uv_file_at();
        if file.is_none() {
            self.s.pos = start;
        }
        file
    }

    fn uv_file_at(&mut self) -> Option<File<'i>> {
        self.literal(b"{ url = ")?;
        let url_start = self.s.pos;
        if self.s.peek()? != b'"' {
            return None;
        }
        let url = self.s.basic_string()?;
        let url_span = url_start..self.s.pos;
        // each literal after a value starts with what ends it (as `end_of_value` requires)
        self.literal(b", hash = ")?;
        let hash = self.sha256()?;
        self.literal(b", size = ")?;
        let size = self.short_size()?;
        self.literal(b", upload-time = ")?;
        let upload_time = match self.utc_upload_time() {
            Some(time) => time,
            None => UploadTime::from(self.s.plain_string()?),
        };
        self.literal(b" }")?;
        self.end_of_value()?;
        Some(File {
            url: Some((url, url_span)),
            path: None,
            filename: None,
            hash: Some(hash),
            size: Some(size),
            upload_time: Some(upload_time),
        })
    }

    /// A quoted upload time in the UTC form uv writes (`"YYYY-MM-DDTHH:MM:SS[.F]Z"`), its end
    /// found from its layout; `None`, and the parser where it was, for any other value. Its text
    /// is only digits, `-`, `T`, `:`, `.` and `Z` (the form is checked), so the basic string
    /// is that text as it is.
    fn utc_upload_time(&mut self) -> Option<UploadTime> {
        let start = self.s.pos;
        let rest = self.s.text().as_bytes().get(start..)?;
        if rest.first() != Some(&b'"') {
            return None;
        }
        // `"`, nineteen bytes up to the seconds, then `Z` or `.`, one to nine digits and `Z`
        let z = match rest.get(20)? {
            b'Z' => 20,
            b'.' => 22 + rest.get(22..31)?.iter().position(|&b| b == b'Z')?,
            _ => return None,
        };
        if rest.get(z + 1) != Some(&b'"') {
            return None;
        }
        let time = UploadTime::utc_form(self.s.text().get(start + 1..start + z + 1)?)?;
        self.s.pos = start + z + 2;
        Some(time)
    }

    /// Step over `literal` when the text goes on with it.
    #[inline(always)]
    fn literal(&mut self, literal: &[u8]) -> Option<()> {
        let rest = self.s.text().as_bytes().get(self.s.pos..)?;
        if !rest.starts_with(literal) {
            return None;
        }
        self.s.pos += literal.len();
        Some(())
    }

    /// A size of at most 18 digits (which always fits [`Self::size`]'s range), without a
    /// leading zero, read digit by digit; `None`, and the parser where it was, for any other
    /// (longer ones are left to [`Self::size`]). The caller checks what follows.
    fn short_size(&mut self) -> Option<u64> {
        let digits = self.s.text().as_bytes().get(self.s.pos..)?;
        let mut n = 0u64;
        let mut len = 0;
        for &b in digits {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            if len == 18 {
                return None;
            }
            n = n * 10 + u64::from(d);
            len += 1;
        }
        if len == 0 || (len > 1 && digits[0] == b'0') {
            return None;
        }
        self.s.pos += len;
        Some(n)
    }

    /// One key of an sdist or wheel table.
    fn file_entry(&mut self, key: &str, file: &mut File<'i>, p: &KeyPath<'_>) -> Option<()> {
        match key {
            "url" => none_before(&mut file.url, self.string()?),
            "path" => none_before(&mut file.path, self.string()?),
            "filename" => none_before(&mut file.filename, self.string()?),
            "hash" => {
                let hash = match self.sha256() {
                    Some(hash) => hash,
                    None => {
                        let (s, span) = self.string()?;
                        self.reader.hash_text(&s, span, &p.key("hash")).ok()?
                    }
                };
                none_before(&mut file.hash, hash)
            }
            "size" => {
                let (n, _) = self.size()?;
                none_before(&mut file.size, n)
            }
            "upload-time" => {
                let (s, _) = self.string()?;
                none_before(&mut file.upload_time, UploadTime::from(&*s))
            }
            _ => None,
        }
    }
}

/// The keys of an sdist or wheel table.
#[derive(Default)]
struct File<'i> {
    url: Option<(Cow<'i, str>, Range<usize>)>,
    path: Option<(Cow<'i, str>, Range<usize>)>,
    filename: Option<(Cow<'i, str>, Range<usize>)>,
    hash: Option<Hash>,
    size: Option<u64>,
    upload_time: Option<UploadTime>,
}

/// Fill `slot` with `value`; `None` when it was filled already (a duplicate key).
fn none_before<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    slot.is_none().then(|| *slot = Some(value))
}
