//! Reading `pyproject.toml` (PEP 621 `[project]`, PEP 735 `[dependency-groups]`, `[build-system]`,
//! `[tool.uv]`) and discovering a uv workspace.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, PackageName, Requirement};

use crate::cursor::{
    as_array, as_bool, as_str, as_table, opt_str, opt_str_array, required, Ctx, KeyPath, Table,
    Value,
};
use crate::error::{quote, Error, ErrorKind};
use crate::limits::Limits;
use crate::model::{ConflictItem, ConflictKind, GroupName, Marker, RequirementSource};
use crate::tree::{Item, Map};

/// A read `pyproject.toml`.
#[derive(Debug, Clone, Default)]
pub struct PyProject {
    /// The file.
    pub path: PathBuf,
    /// `[project]`.
    pub project: Option<Project>,
    /// `[dependency-groups]`, with `include-group` expanded.
    pub dependency_groups: BTreeMap<GroupName, Vec<Requirement>>,
    /// `[build-system]`.
    pub build_system: Option<BuildSystem>,
    /// `[tool.uv]`.
    pub tool_uv: ToolUv,
    /// Directories (relative to the project, `/`-separated, `""` for the project itself) that
    /// hold its importable packages, as its build backend's configuration declares them
    /// (hatchling's wheel `packages`, setuptools' `package-dir`/`packages.find.where`, uv_build's
    /// `module-root`, poetry's `packages.from`, pdm's `package-dir`); an editable install puts
    /// these on `sys.path`. Empty: nothing declared (see [`PyProject::has_src_dir`]).
    pub import_roots: Vec<String>,
    /// Does the project's directory have a `src/` directory (the src layout every backend finds
    /// by itself)? Set by [`read_pyproject`].
    pub has_src_dir: bool,
}

impl PyProject {
    /// The directory an editable install puts on `sys.path`, relative to the project: the first
    /// declared import root, else `src` for the src layout, else the project itself (`""`).
    pub fn editable_root(&self) -> &str {
        match self.import_roots.first() {
            Some(r) => r,
            None if self.has_src_dir => "src",
            None => "",
        }
    }
}

/// PEP 621 `[project]`.
#[derive(Debug, Clone)]
pub struct Project {
    /// `name`, normalised.
    pub name: PackageName,
    /// `version`, when static.
    pub version: Option<Version>,
    pub dynamic: Vec<String>,
    /// `requires-python`.
    pub requires_python: Option<VersionSpecifiers>,
    pub dependencies: Vec<Requirement>,
    /// `optional-dependencies`.
    pub optional_dependencies: BTreeMap<ExtraName, Vec<Requirement>>,
    pub scripts: BTreeMap<String, String>,
    /// `gui-scripts`.
    pub gui_scripts: BTreeMap<String, String>,
}

/// `[build-system]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildSystem {
    pub requires: Vec<Requirement>,
    /// `build-backend`.
    pub build_backend: Option<String>,
    /// `backend-path`.
    pub backend_path: Vec<String>,
}

impl BuildSystem {
    /// PEP 517's default when `[build-system]` is absent: setuptools' legacy backend.
    pub fn pep517_default() -> Self {
        Self {
            requires: vec![Requirement::from_str("setuptools>=40.8.0").expect("static requirement")],
            build_backend: Some("setuptools.build_meta:__legacy__".to_string()),
            backend_path: Vec::new(),
        }
    }
}

/// `[tool.uv]`.
#[derive(Debug, Clone, Default)]
pub struct ToolUv {
    /// `sources`: package → one or more sources (a list when they carry markers).
    pub sources: BTreeMap<PackageName, Vec<UvSource>>,
    /// `workspace.members` globs.
    pub workspace_members: Option<Vec<String>>,
    /// `workspace.exclude` globs.
    pub workspace_exclude: Vec<String>,
    /// The legacy `dev-dependencies`.
    pub dev_dependencies: Vec<Requirement>,
    /// `no-binary-package`.
    pub no_binary_package: Vec<PackageName>,
    /// `no-build-package`.
    pub no_build_package: Vec<PackageName>,
    /// `no-binary`.
    pub no_binary: bool,
    /// `no-build`.
    pub no_build: bool,
    pub environments: Vec<Marker>,
    /// `conflicts`; an item without `package` belongs to this project.
    pub conflicts: Vec<Vec<ConflictItem>>,
    /// `package` (false: a virtual project).
    pub package: Option<bool>,
    /// `default-groups`: the groups `uv sync` installs unless told otherwise (absent: `dev`).
    pub default_groups: Option<DefaultGroups>,
}

/// `tool.uv.default-groups`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefaultGroups {
    /// `"all"`.
    All,
    /// A list of group names.
    List(Vec<GroupName>),
}

/// One `tool.uv.sources` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UvSource {
    /// The kind and location.
    pub kind: UvSourceKind,
    pub marker: Option<String>,
    pub extra: Option<String>,
    pub group: Option<String>,
}

/// The forms of a `tool.uv.sources` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UvSourceKind {
    /// `{ git, rev | tag | branch, subdirectory, lfs }`.
    Git {
        /// URL.
        git: String,
        /// `rev`.
        rev: Option<String>,
        /// `tag`.
        tag: Option<String>,
        /// `branch`.
        branch: Option<String>,
        /// `subdirectory`.
        subdirectory: Option<String>,
        /// `lfs`.
        lfs: bool,
    },
    /// `{ url, subdirectory }`.
    Url {
        /// URL.
        url: String,
        /// `subdirectory`.
        subdirectory: Option<String>,
    },
    /// `{ path, editable, package }`.
    Path {
        /// Path.
        path: String,
        /// `editable`.
        editable: Option<bool>,
        /// `package`.
        package: Option<bool>,
    },
    /// `{ index }`.
    Index(String),
    /// `{ workspace = true }`.
    Workspace,
}

/// A workspace: the root pyproject and every member's.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The directory holding the root `pyproject.toml` (and `uv.lock`).
    pub root: PathBuf,
    /// The root `pyproject.toml`.
    pub root_project: PyProject,
    /// Members other than the root, with their directory relative to the root (`/`-separated), sorted.
    pub members: Vec<(String, PyProject)>,
}

impl Workspace {
    /// Every project in the workspace with a `[project]` table: (relative dir, pyproject); the root is `.`.
    pub fn projects(&self) -> impl Iterator<Item = (&str, &PyProject)> {
        std::iter::once((".", &self.root_project))
            .chain(self.members.iter().map(|(d, p)| (d.as_str(), p)))
            .filter(|(_, p)| p.project.is_some())
    }

    /// The pyproject of the member at `dir` (relative to the root, as the lock writes it).
    pub fn member_at(&self, dir: &str) -> Option<&PyProject> {
        let dir = dir.trim_end_matches('/');
        if dir == "." || dir.is_empty() {
            return Some(&self.root_project);
        }
        self.members.iter().find(|(d, _)| d == dir).map(|(_, p)| p)
    }

    /// The pyproject of the member named `name`.
    pub fn member_named(&self, name: &PackageName) -> Option<&PyProject> {
        self.projects()
            .find(|(_, p)| p.project.as_ref().is_some_and(|pr| &pr.name == name))
            .map(|(_, p)| p)
    }
}

/// Read one `pyproject.toml`.
pub fn read_pyproject(path: &Path) -> Result<PyProject, Error> {
    let limits = Limits::default();
    let bytes = crate::read_limited(path, limits.max_file_size)?;
    let text = crate::utf8(path, &bytes)?;
    let mut p = parse_pyproject(text, path)?;
    p.has_src_dir = path.parent().is_some_and(|d| d.join("src").is_dir());
    Ok(p)
}

/// A relative directory of a project as backends write it (`./src/`, `src`), or `None` when it
/// leaves the project or is not a plain relative path.
fn clean_dir(s: &str) -> Option<String> {
    let mut parts = Vec::new();
    for c in s.split('/') {
        match c {
            "" | "." => {}
            ".." => return None,
            c => parts.push(c),
        }
    }
    if s.starts_with('/') || s.contains('\\') {
        return None;
    }
    Some(parts.join("/"))
}

/// [`PyProject::import_roots`] from the `[tool]` table; values of another shape are ignored
/// (the backend reports them when it builds).
fn import_roots(tool: &Map<'_>) -> Vec<String> {
    fn get<'a, 'i>(m: &'a Map<'i>, path: &[&str]) -> Option<&'a Item<'i>> {
        let (first, rest) = path.split_first()?;
        let v = m.get(first)?.get_ref();
        if rest.is_empty() {
            return Some(v);
        }
        match v {
            Item::Table(t) => get(t, rest),
            _ => None,
        }
    }
    fn strings<'a>(v: Option<&'a Item<'_>>) -> Vec<&'a str> {
        match v {
            Some(Item::String(s)) => vec![s.as_ref()],
            Some(Item::Array(a)) => a
                .iter()
                .filter_map(|i| match i.get_ref() {
                    Item::String(s) => Some(s.as_ref()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }
    let parent = |p: &str| -> Option<String> {
        let p = clean_dir(p)?;
        Some(
            p.rsplit_once('/')
                .map_or(String::new(), |(d, _)| d.to_string()),
        )
    };
    let mut out: Vec<String> = Vec::new();
    let mut push = |d: Option<String>| {
        if let Some(d) = d {
            if !out.contains(&d) {
                out.push(d);
            }
        }
    };
    for p in strings(get(
        tool,
        &["hatch", "build", "targets", "wheel", "packages"],
    )) {
        push(parent(p));
    }
    if let Some(Item::Table(dirs)) = get(tool, &["setuptools", "package-dir"]) {
        push(
            strings(dirs.get("").map(|v| v.get_ref()))
                .first()
                .and_then(|d| clean_dir(d)),
        );
    }
    for d in strings(get(tool, &["setuptools", "packages", "find", "where"])) {
        push(clean_dir(d));
    }
    if let Some(Item::Table(_)) = get(tool, &["uv", "build-backend"]) {
        let root = strings(get(tool, &["uv", "build-backend", "module-root"]));
        push(clean_dir(root.first().copied().unwrap_or("src")));
    }
    if let Some(Item::Array(a)) = get(tool, &["poetry", "packages"]) {
        for p in a.iter() {
            if let Item::Table(t) = p.get_ref() {
                push(clean_dir(
                    strings(t.get("from").map(|v| v.get_ref()))
                        .first()
                        .copied()
                        .unwrap_or(""),
                ));
            }
        }
    }
    for d in strings(get(tool, &["pdm", "build", "package-dir"])) {
        push(clean_dir(d));
    }
    out
}

/// Parse `pyproject.toml` text; `file` is used in messages and as [`PyProject::path`].
pub fn parse_pyproject(text: &str, file: &Path) -> Result<PyProject, Error> {
    let markers = crate::bounded_marker::MarkerBudget::of(&Limits::default());
    let ctx = Ctx::new(text, file, 0, &markers);
    let doc = crate::parse_tree(&ctx, text)?;
    crate::check_depth(
        &ctx,
        crate::tree::max_depth(doc.get_ref()),
        &Limits::default(),
    )?;
    let root = Table {
        table: doc.get_ref(),
        span: doc.span(),
    };
    let r = PyReader { ctx: &ctx };
    let top = KeyPath::Root;
    let project = match root.get("project") {
        None => None,
        Some(v) => Some(r.project(v, &top.key("project"))?),
    };
    let dependency_groups = match root.get("dependency-groups") {
        None => BTreeMap::new(),
        Some(v) => r.dependency_groups(v, &top.key("dependency-groups"))?,
    };
    let build_system = match root.get("build-system") {
        None => None,
        Some(v) => Some(r.build_system(v, &top.key("build-system"))?),
    };
    let tool_uv = match root
        .get("tool")
        .map(|t| (t, as_table(&ctx, t, &top.key("tool"), "a table")))
    {
        None => ToolUv::default(),
        Some((_, t)) => match t?.get("uv") {
            None => ToolUv::default(),
            Some(uv) => r.tool_uv(
                uv,
                &top.key("tool").key("uv"),
                project.as_ref().map(|p| &p.name),
            )?,
        },
    };
    let import_roots = match root.get("tool").map(|t| t.get_ref()) {
        Some(Item::Table(t)) => import_roots(t),
        _ => Vec::new(),
    };
    Ok(PyProject {
        path: file.to_path_buf(),
        project,
        dependency_groups,
        build_system,
        tool_uv,
        import_roots,
        has_src_dir: false,
    })
}

/// A PEP 508 requirement string, located on failure (input `pep508_rs` would panic on is refused
/// first).
pub(crate) fn parse_pep508(
    ctx: &Ctx<'_>,
    s: &str,
    span: Range<usize>,
    path: &KeyPath<'_>,
) -> Result<Requirement, Error> {
    crate::requirement::parse_requirement(s, ctx.markers).map_err(|e| {
        let kind = match e {
            crate::RequirementError::Invalid(message) => ErrorKind::InvalidValue {
                expected: format!("a PEP 508 requirement ({message})"),
                found: quote(s),
            },
            crate::RequirementError::MarkerBudget { limit } => ErrorKind::MarkerBudget { limit },
        };
        ctx.error(span, path, kind)
    })
}

/// A PEP 508 requirement in the lock's terms: a version specifier is a registry requirement, a
/// `git+` URL a git one, any other URL a direct one.
pub(crate) fn lock_requirement_of(r: &Requirement) -> crate::model::LockRequirement {
    let source = match &r.version_or_url {
        None => RequirementSource::Registry {
            specifier: VersionSpecifiers::empty(),
            index: None,
            conflict: None,
        },
        Some(pep508_rs::VersionOrUrl::VersionSpecifier(s)) => RequirementSource::Registry {
            specifier: s.clone(),
            index: None,
            conflict: None,
        },
        Some(pep508_rs::VersionOrUrl::Url(u)) => {
            let text = u.to_string();
            match text.strip_prefix("git+") {
                Some(git) => RequirementSource::Git(git.to_string()),
                None => RequirementSource::Url {
                    url: text,
                    subdirectory: None,
                },
            }
        }
    };
    crate::model::LockRequirement {
        name: r.name.clone(),
        extras: r.extras.clone(),
        groups: Vec::new(),
        marker: r.marker.try_to_string().map(|raw| Marker {
            raw,
            tree: r.marker.clone(),
        }),
        source,
    }
}

struct PyReader<'c, 's> {
    ctx: &'c Ctx<'s>,
}

impl PyReader<'_, '_> {
    fn err(&self, span: Range<usize>, path: &KeyPath<'_>, kind: ErrorKind) -> Error {
        self.ctx.error(span, path, kind)
    }

    fn requirement(
        &self,
        s: &str,
        span: Range<usize>,
        path: &KeyPath<'_>,
    ) -> Result<Requirement, Error> {
        parse_pep508(self.ctx, s, span, path)
    }

    fn requirements(
        &self,
        t: &Table<'_, '_>,
        key: &'static str,
        p: &KeyPath<'_>,
    ) -> Result<Vec<Requirement>, Error> {
        let items = opt_str_array(
            self.ctx,
            t,
            key,
            p,
            "an array of PEP 508 requirement strings",
        )?;
        let kp = p.key(key);
        items
            .into_iter()
            .enumerate()
            .map(|(i, (s, span))| self.requirement(s, span, &kp.index(i)))
            .collect()
    }

    fn name(&self, s: &str, span: Range<usize>, path: &KeyPath<'_>) -> Result<PackageName, Error> {
        self.ctx.parse_name(s, span, path)
    }

    fn extra(&self, s: &str, span: Range<usize>, path: &KeyPath<'_>) -> Result<ExtraName, Error> {
        self.ctx.parse_name(s, span, path)
    }

    fn scripts(
        &self,
        t: &Table<'_, '_>,
        key: &'static str,
        p: &KeyPath<'_>,
    ) -> Result<BTreeMap<String, String>, Error> {
        let mut out = BTreeMap::new();
        if let Some(v) = t.get(key) {
            let sp = p.key(key);
            let st = as_table(
                self.ctx,
                v,
                &sp,
                "a table of script name → `module:function`",
            )?;
            for (k, v) in st.keys() {
                let s = as_str(
                    self.ctx,
                    v,
                    &sp.key(k.get_ref()),
                    "a `module:function` string",
                )?;
                out.insert(k.get_ref().to_string(), s.to_string());
            }
        }
        Ok(out)
    }

    fn project(&self, v: &Value<'_>, p: &KeyPath<'_>) -> Result<Project, Error> {
        let t = as_table(self.ctx, v, p, "a table")?;
        let nv = required(
            self.ctx,
            &t,
            "name",
            p,
            "the project name (PEP 621 requires it)",
        )?;
        let name = self.name(
            as_str(self.ctx, nv, &p.key("name"), "a string")?,
            nv.span(),
            &p.key("name"),
        )?;
        let version = match t.get("version") {
            None => None,
            Some(v) => {
                let s = as_str(self.ctx, v, &p.key("version"), "a PEP 440 version string")?;
                Some(self.ctx.parse_version(s, v.span(), &p.key("version"))?)
            }
        };
        let dynamic = opt_str_array(self.ctx, &t, "dynamic", p, "an array of field names")?
            .into_iter()
            .map(|(s, _)| s.to_string())
            .collect();
        let requires_python = match t.get("requires-python") {
            None => None,
            Some(v) => {
                let s = as_str(
                    self.ctx,
                    v,
                    &p.key("requires-python"),
                    "a PEP 440 specifier string",
                )?;
                Some(
                    self.ctx
                        .parse_specifiers(s, v.span(), &p.key("requires-python"))?,
                )
            }
        };
        let dependencies = self.requirements(&t, "dependencies", p)?;
        let mut optional_dependencies = BTreeMap::new();
        if let Some(ov) = t.get("optional-dependencies") {
            let op = p.key("optional-dependencies");
            let ot = as_table(self.ctx, ov, &op, "a table of extra name → requirements")?;
            for (k, _) in ot.keys() {
                let extra = self.extra(k.get_ref(), k.span(), &op)?;
                let key: &str = k.get_ref();
                let items = ot
                    .get(key)
                    .map(|v| as_array(self.ctx, v, &op.key(key), "an array of requirement strings"))
                    .transpose()?;
                let mut reqs = Vec::new();
                for (i, item) in items.into_iter().flatten().enumerate() {
                    let ip = op.key(key);
                    let ip = ip.index(i);
                    reqs.push(self.requirement(
                        as_str(self.ctx, item, &ip, "a PEP 508 requirement string")?,
                        item.span(),
                        &ip,
                    )?);
                }
                optional_dependencies.insert(extra, reqs);
            }
        }
        Ok(Project {
            name,
            version,
            dynamic,
            requires_python,
            dependencies,
            optional_dependencies,
            scripts: self.scripts(&t, "scripts", p)?,
            gui_scripts: self.scripts(&t, "gui-scripts", p)?,
        })
    }

    fn dependency_groups(
        &self,
        v: &Value<'_>,
        p: &KeyPath<'_>,
    ) -> Result<BTreeMap<GroupName, Vec<Requirement>>, Error> {
        let t = as_table(self.ctx, v, p, "a table of group name → requirements")?;
        // First read every group's entries, then expand `include-group` with cycle detection.
        enum Entry {
            Req(Requirement),
            Include(GroupName, Range<usize>),
        }
        let mut raw: BTreeMap<GroupName, Vec<Entry>> = BTreeMap::new();
        for (k, gv) in t.keys() {
            let group = self.extra(k.get_ref(), k.span(), p)?;
            let gp = p.key(k.get_ref());
            let items = as_array(
                self.ctx,
                gv,
                &gp,
                "an array of requirement strings and `{ include-group = \"…\" }` tables",
            )?;
            let mut entries = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let ip = gp.index(i);
                match item.get_ref() {
                    Item::String(s) => {
                        entries.push(Entry::Req(self.requirement(s, item.span(), &ip)?))
                    }
                    _ => {
                        let it = as_table(
                            self.ctx,
                            item,
                            &ip,
                            "a requirement string or `{ include-group = \"…\" }`",
                        )?;
                        let iv = required(
                            self.ctx,
                            &it,
                            "include-group",
                            &ip,
                            "the name of another group",
                        )?;
                        let s = as_str(self.ctx, iv, &ip.key("include-group"), "a group name")?;
                        entries.push(Entry::Include(
                            self.extra(s, iv.span(), &ip.key("include-group"))?,
                            iv.span(),
                        ));
                    }
                }
            }
            raw.insert(group, entries);
        }
        fn expand(
            r: &PyReader<'_, '_>,
            raw: &BTreeMap<GroupName, Vec<Entry>>,
            group: &GroupName,
            stack: &mut Vec<GroupName>,
            p: &KeyPath<'_>,
        ) -> Result<Vec<Requirement>, Error> {
            let mut out = Vec::new();
            stack.push(group.clone());
            for e in raw.get(group).map(Vec::as_slice).unwrap_or(&[]) {
                match e {
                    Entry::Req(req) => out.push(req.clone()),
                    Entry::Include(other, span) => {
                        if stack.contains(other) {
                            return Err(r.err(
                                span.clone(),
                                &p.key(group.as_ref()),
                                ErrorKind::InvalidValue {
                                    expected: "a group that does not include itself".into(),
                                    found: format!(
                                        "`{{ include-group = \"{other}\" }}`, which closes the cycle {} → {other}",
                                        stack
                                            .iter()
                                            .map(AsRef::as_ref)
                                            .collect::<Vec<&str>>()
                                            .join(" → ")
                                    ),
                                },
                            ));
                        }
                        if !raw.contains_key(other) {
                            return Err(r.err(
                                span.clone(),
                                &p.key(group.as_ref()),
                                ErrorKind::InvalidValue {
                                    expected: "the name of a group in [dependency-groups]".into(),
                                    found: quote(other.as_ref()),
                                },
                            ));
                        }
                        out.extend(expand(r, raw, other, stack, p)?);
                    }
                }
            }
            stack.pop();
            Ok(out)
        }
        let mut out = BTreeMap::new();
        for group in raw.keys() {
            let mut stack = Vec::new();
            out.insert(group.clone(), expand(self, &raw, group, &mut stack, p)?);
        }
        Ok(out)
    }

    fn build_system(&self, v: &Value<'_>, p: &KeyPath<'_>) -> Result<BuildSystem, Error> {
        let t = as_table(self.ctx, v, p, "a table")?;
        Ok(BuildSystem {
            requires: self.requirements(&t, "requires", p)?,
            build_backend: opt_str(
                self.ctx,
                &t,
                "build-backend",
                p,
                "a string such as `hatchling.build`",
            )?
            .map(str::to_string),
            backend_path: opt_str_array(self.ctx, &t, "backend-path", p, "an array of paths")?
                .into_iter()
                .map(|(s, _)| s.to_string())
                .collect(),
        })
    }

    fn tool_uv(
        &self,
        v: &Value<'_>,
        p: &KeyPath<'_>,
        project: Option<&PackageName>,
    ) -> Result<ToolUv, Error> {
        let t = as_table(self.ctx, v, p, "a table")?;
        let mut uv = ToolUv::default();
        if let Some(sv) = t.get("sources") {
            let sp = p.key("sources");
            let st = as_table(self.ctx, sv, &sp, "a table of package name → source")?;
            for (k, v) in st.keys() {
                let name = self.name(k.get_ref(), k.span(), &sp)?;
                let kp = sp.key(k.get_ref());
                let list = match v.get_ref() {
                    Item::Array(a) => {
                        let mut l = Vec::with_capacity(a.len());
                        for (i, item) in a.iter().enumerate() {
                            l.push(self.uv_source(item, &kp.index(i))?);
                        }
                        l
                    }
                    _ => vec![self.uv_source(v, &kp)?],
                };
                uv.sources.insert(name, list);
            }
        }
        if let Some(wv) = t.get("workspace") {
            let wp = p.key("workspace");
            let wt = as_table(self.ctx, wv, &wp, "a table")?;
            uv.workspace_members = Some(
                opt_str_array(self.ctx, &wt, "members", &wp, "an array of glob patterns")?
                    .into_iter()
                    .map(|(s, _)| s.to_string())
                    .collect(),
            );
            uv.workspace_exclude =
                opt_str_array(self.ctx, &wt, "exclude", &wp, "an array of glob patterns")?
                    .into_iter()
                    .map(|(s, _)| s.to_string())
                    .collect();
        }
        uv.dev_dependencies = self.requirements(&t, "dev-dependencies", p)?;
        for (s, span) in opt_str_array(
            self.ctx,
            &t,
            "no-binary-package",
            p,
            "an array of package names",
        )? {
            uv.no_binary_package
                .push(self.name(s, span, &p.key("no-binary-package"))?);
        }
        for (s, span) in opt_str_array(
            self.ctx,
            &t,
            "no-build-package",
            p,
            "an array of package names",
        )? {
            uv.no_build_package
                .push(self.name(s, span, &p.key("no-build-package"))?);
        }
        if let Some(b) = t.get("no-binary") {
            uv.no_binary = as_bool(self.ctx, b, &p.key("no-binary"), "a boolean")?;
        }
        if let Some(b) = t.get("no-build") {
            uv.no_build = as_bool(self.ctx, b, &p.key("no-build"), "a boolean")?;
        }
        if let Some(b) = t.get("package") {
            uv.package = Some(as_bool(self.ctx, b, &p.key("package"), "a boolean")?);
        }
        if let Some(v) = t.get("default-groups") {
            let kp = p.key("default-groups");
            uv.default_groups = Some(match v.get_ref() {
                Item::String(s) if s.as_ref() == "all" => DefaultGroups::All,
                Item::String(s) => {
                    return Err(self.err(
                        v.span(),
                        &kp,
                        ErrorKind::InvalidValue {
                            expected: "\"all\" or an array of group names".into(),
                            found: quote(s),
                        },
                    ))
                }
                _ => {
                    let mut names = Vec::new();
                    for (s, span) in
                        opt_str_array(self.ctx, &t, "default-groups", p, "an array of group names")?
                    {
                        names.push(self.extra(s, span, &kp)?);
                    }
                    DefaultGroups::List(names)
                }
            });
        }
        if let Some(ev) = t.get("environments") {
            let ep = p.key("environments");
            // a single string or an array of strings
            let items: Vec<(&str, Range<usize>)> = match ev.get_ref() {
                Item::String(s) => vec![(s.as_ref(), ev.span())],
                _ => opt_str_array(
                    self.ctx,
                    &t,
                    "environments",
                    p,
                    "an array of PEP 508 marker strings",
                )?,
            };
            for (i, (s, span)) in items.into_iter().enumerate() {
                let tree = self.ctx.parse_marker(s, span, &ep.index(i))?;
                uv.environments.push(Marker {
                    raw: s.to_string(),
                    tree,
                });
            }
        }
        if let Some(cv) = t.get("conflicts") {
            let cp = p.key("conflicts");
            let sets = as_array(
                self.ctx,
                cv,
                &cp,
                "an array of arrays of `{ extra | group, package? }` tables",
            )?;
            for (i, set) in sets.iter().enumerate() {
                let sp = cp.index(i);
                let items = as_array(self.ctx, set, &sp, "an array of tables")?;
                let mut conflict = Vec::new();
                for (j, item) in items.iter().enumerate() {
                    let ip = sp.index(j);
                    let it =
                        as_table(self.ctx, item, &ip, "a `{ extra | group, package? }` table")?;
                    // `package` defaults to the project itself
                    let package = match it.get("package") {
                        Some(v) => {
                            let kp = ip.key("package");
                            self.name(as_str(self.ctx, v, &kp, "a package name")?, v.span(), &kp)?
                        }
                        None => project.cloned().ok_or_else(|| {
                            self.err(
                                it.span.clone(),
                                &ip,
                                ErrorKind::MissingKey {
                                    key: "package".into(),
                                    expected: "the package the extra or group belongs to (this pyproject has no [project] to default to)",
                                },
                            )
                        })?,
                    };
                    let kind = if let Some(e) = it.get("extra") {
                        let kp = ip.key("extra");
                        ConflictKind::Extra(self.extra(
                            as_str(self.ctx, e, &kp, "an extra name")?,
                            e.span(),
                            &kp,
                        )?)
                    } else if let Some(g) = it.get("group") {
                        let kp = ip.key("group");
                        ConflictKind::Group(self.extra(
                            as_str(self.ctx, g, &kp, "a group name")?,
                            g.span(),
                            &kp,
                        )?)
                    } else {
                        ConflictKind::Project
                    };
                    conflict.push(ConflictItem { package, kind });
                }
                uv.conflicts.push(conflict);
            }
        }
        Ok(uv)
    }

    fn uv_source(&self, v: &Value<'_>, p: &KeyPath<'_>) -> Result<UvSource, Error> {
        let t = as_table(self.ctx, v, p, "a source table (`{ git = … }`, `{ url = … }`, `{ path = … }`, `{ index = … }` or `{ workspace = true }`)")?;
        let s = |k: &'static str| opt_str(self.ctx, &t, k, p, "a string");
        let b = |k: &'static str| {
            t.get(k)
                .map(|v| as_bool(self.ctx, v, &p.key(k), "a boolean"))
                .transpose()
        };
        let kind = if let Some(git) = s("git")? {
            UvSourceKind::Git {
                git: git.to_string(),
                rev: s("rev")?.map(str::to_string),
                tag: s("tag")?.map(str::to_string),
                branch: s("branch")?.map(str::to_string),
                subdirectory: s("subdirectory")?.map(str::to_string),
                lfs: b("lfs")?.unwrap_or(false),
            }
        } else if let Some(url) = s("url")? {
            UvSourceKind::Url {
                url: url.to_string(),
                subdirectory: s("subdirectory")?.map(str::to_string),
            }
        } else if let Some(path) = s("path")? {
            UvSourceKind::Path {
                path: path.to_string(),
                editable: b("editable")?,
                package: b("package")?,
            }
        } else if let Some(index) = s("index")? {
            UvSourceKind::Index(index.to_string())
        } else if b("workspace")?.is_some() {
            UvSourceKind::Workspace
        } else {
            return Err(self.err(
                v.span(),
                p,
                ErrorKind::InvalidValue {
                    expected: "one of the keys `git`, `url`, `path`, `index`, `workspace`".into(),
                    found: "a table without any of them".into(),
                },
            ));
        };
        Ok(UvSource {
            kind,
            marker: s("marker")?.map(str::to_string),
            extra: s("extra")?.map(str::to_string),
            group: s("group")?.map(str::to_string),
        })
    }
}

/// Discover and read a workspace from its root directory (the one holding `pyproject.toml`).
///
/// Member globs (`tool.uv.workspace.members`) are expanded relative to the root, `exclude` globs
/// remove matches, and each member must have a `pyproject.toml`.
pub fn read_workspace(root: &Path) -> Result<Workspace, Error> {
    let root_file = root.join("pyproject.toml");
    let root_project = read_pyproject(&root_file)?;
    let mut members = Vec::new();
    if let Some(patterns) = &root_project.tool_uv.workspace_members {
        let mut dirs: BTreeSet<String> = BTreeSet::new();
        let exclude: Vec<glob::Pattern> = root_project
            .tool_uv
            .workspace_exclude
            .iter()
            .map(|e| glob::Pattern::new(e).map_err(|err| glob_error(&root_file, e, &err)))
            .collect::<Result<_, _>>()?;
        for pattern in patterns {
            let full = root.join(pattern);
            let full_str = full.to_string_lossy().to_string();
            let paths =
                glob::glob(&full_str).map_err(|err| glob_error(&root_file, pattern, &err))?;
            for entry in paths.flatten() {
                if !entry.is_dir() {
                    continue;
                }
                // glob drops a leading `./`: with the root `.`, its matches are relative paths
                let rel = match entry.strip_prefix(root) {
                    Ok(rel) => rel,
                    Err(_) if root == Path::new(".") && entry.is_relative() => entry.as_path(),
                    Err(_) => continue,
                };
                let rel = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().to_string())
                    .collect::<Vec<_>>()
                    .join("/");
                if rel.is_empty() || exclude.iter().any(|e| e.matches(&rel)) {
                    continue;
                }
                dirs.insert(rel);
            }
        }
        if dirs.len() > Limits::default().max_members {
            return Err(Error {
                uv_layout: false,
                file: root_file,
                position: None,
                key_path: "tool.uv.workspace.members".into(),
                kind: ErrorKind::TooMany {
                    what: "workspace members",
                    count: dirs.len(),
                    limit: Limits::default().max_members,
                },
            });
        }
        for dir in dirs {
            let file = root.join(&dir).join("pyproject.toml");
            if !file.is_file() {
                return Err(Error {
                    uv_layout: false,
                    file: root_file.clone(),
                    position: None,
                    key_path: "tool.uv.workspace.members".into(),
                    kind: ErrorKind::MissingMember(dir),
                });
            }
            members.push((dir, read_pyproject(&file)?));
        }
    }
    Ok(Workspace {
        root: root.to_path_buf(),
        root_project,
        members,
    })
}

fn glob_error(file: &Path, pattern: &str, err: &dyn std::fmt::Display) -> Error {
    Error {
        uv_layout: false,
        file: file.to_path_buf(),
        position: None,
        key_path: "tool.uv.workspace".into(),
        kind: ErrorKind::InvalidGlob {
            pattern: quote(pattern),
            message: err.to_string(),
        },
    }
}
