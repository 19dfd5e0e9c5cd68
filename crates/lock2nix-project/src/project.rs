//! Loading a lock with its workspace and configuration, and turning target settings into a
//! [`Target`].

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lock2nix_lock::pep508_rs::{ExtraName, PackageName};
use lock2nix_lock::{
    parse_lock, read_local_builds, read_lock, read_workspace, stale_findings_with, LocalBuilds,
    LocalSource, Lock, SourceRoot, StaleFinding, Workspace,
};
use lock2nix_resolve::{PythonVersion, Target};
use lock2nix_wheel::System;

use lock2nix_config::Config;
use lock2nix_nixpkgs::Index;
use lock2nix_plan::{PlanInputs, Policy};
use sha2::Digest;

use crate::flags::{LockArgs, NixpkgsArgs, TargetArgs};
use crate::settings::TargetSettings;
use crate::Error;

type Result<T, E = Error> = std::result::Result<T, E>;

/// A lock and, when its directory has a `pyproject.toml`, the workspace; and the configuration.
pub struct Project {
    /// The lock file.
    pub lock_path: PathBuf,
    /// sha256 of the lock file's bytes (hex).
    pub lock_sha256: String,
    /// The lock file's size in bytes.
    pub lock_len: usize,
    /// The directory of the lock (the workspace root).
    pub root: PathBuf,
    pub lock: Lock,
    /// The workspace, when there is a pyproject.toml.
    pub workspace: Option<Workspace>,
    /// The configuration, when there is one.
    pub config: Option<Config>,
    /// sha256 of the configuration file.
    pub config_sha256: Option<String>,
    /// The source root: every local source of the lock is inside it (checked when loading).
    pub source_root: SourceRoot,
    /// Every local source of the lock (path, directory, editable, virtual, local index files), with
    /// its path relative to the source root.
    pub local_sources: Vec<LocalSource>,
    /// How each local source is built, by the lock's path (members and sources outside the
    /// workspace alike).
    pub local_builds: LocalBuilds,
    /// The interpreter of the configured nixpkgs index (`python=` in its first line), when it says.
    pub index_python: Option<(u32, u32)>,
}

fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

impl Project {
    /// What loading found worth a warning (the lock's own, and build backends lock2nix cannot
    /// know): one line each.
    pub fn load_warnings(&self) -> Vec<String> {
        let mut out: Vec<String> = self.lock.warnings.iter().map(ToString::to_string).collect();
        out.extend(self.unknown_build_warnings());
        out
    }

    /// One short warning per stale part of the lock (see [`Project::stale_findings`]).
    pub fn stale_warnings(&self) -> Vec<lock2nix_lock::Warning> {
        self.stale_findings()
            .iter()
            .map(StaleFinding::to_warning)
            .collect()
    }

    /// How the pyproject.toml files differ from the lock (see [`lock2nix_lock::stale_findings`]);
    /// empty without a workspace.
    pub fn stale_findings(&self) -> Vec<StaleFinding> {
        self.workspace
            .as_ref()
            .map(|ws| stale_findings_with(&self.lock, ws, &self.local_builds.projects))
            .unwrap_or_default()
    }

    /// The build backends lock2nix cannot know (a source not checked out, an sdist archive) for
    /// packages whose build system lock2nix.toml does not set: one warning each, naming the package
    /// and the setting.
    pub fn unknown_build_warnings(&self) -> Vec<String> {
        self.local_builds
            .unknown
            .iter()
            .filter(|(name, _, _)| {
                !self.config.as_ref().is_some_and(|c| {
                    c.packages.iter().any(|(k, pc)| {
                        PackageName::from_str(k).is_ok_and(|k| &k == name)
                            && !pc.custom.build_system.is_empty()
                    })
                })
            })
            .map(|(name, path, why)| LocalBuilds::warning(name, path, why))
            .collect()
    }

    /// Find the configuration and the lock, read them and the workspace. Nothing is printed:
    /// the lock's warnings and the unknown build backends are in [`Project::load_warnings`];
    /// the stale-lock check ([`Project::stale_warnings`], a few ms on big workspaces) is left to
    /// callers, which may run it alongside other work.
    pub fn load(args: &LockArgs) -> Result<Self> {
        let config_path = match (&args.config, &args.lock) {
            (Some(c), _) => Some(c.clone()),
            (None, Some(lock)) => Some(dir_of(lock).join("lock2nix.toml")).filter(|p| p.is_file()),
            (None, None) => Some(PathBuf::from("lock2nix.toml")).filter(|p| p.is_file()),
        };
        let (config, config_sha256) = match &config_path {
            Some(path) => {
                let cfg = lock2nix_config::read(path)?;
                // every file that shaped the configuration (with `extends`, the bases too)
                let mut h = sha2::Sha256::new();
                for (i, f) in cfg.files.iter().enumerate() {
                    let bytes = std::fs::read(f).map_err(|source| Error::Io {
                        path: f.clone(),
                        source,
                    })?;
                    if i > 0 {
                        h.update(b"\0extends\0");
                    }
                    h.update(&bytes);
                }
                (Some(cfg), Some(hex::encode(h.finalize())))
            }
            None => (None, None),
        };
        let lock_path = match (&args.lock, config.as_ref().and_then(|c| c.lock.clone())) {
            (Some(l), _) => l.clone(),
            (None, Some(l)) => l,
            (None, None) => match &config_path {
                Some(c) => dir_of(c).join("uv.lock"),
                None => PathBuf::from("uv.lock"),
            },
        };
        if !lock_path.exists() {
            return Err(Error::NoLock(lock_path));
        }
        // One read: the bytes are hashed (for the overlay's header) and parsed. The workspace is
        // read on rayon's pool meanwhile (this thread is not one of its threads: they would
        // otherwise wait for the lock's bytes); its errors come after the lock's, as before.
        let root = dir_of(&lock_path);
        let mut workspace = None;
        let read = rayon::in_place_scope(|s| {
            s.spawn(|_| {
                workspace = Some(
                    root.join("pyproject.toml")
                        .is_file()
                        .then(|| read_workspace(&root))
                        .transpose(),
                );
            });
            // bounded: a huge (or sparse) file is refused before it is read
            let bytes =
                lock2nix_lock::read_lock_bytes(&lock_path, &lock2nix_lock::Limits::default())?;
            // hashing and parsing overlap (the parse itself runs on rayon's pool)
            Ok::<_, lock2nix_lock::Error>((
                bytes.len(),
                rayon::join(
                    || hex::encode(sha2::Sha256::digest(&*bytes)),
                    || match std::str::from_utf8(&bytes) {
                        Ok(text) => parse_lock(text, &lock_path),
                        // the reader reports where the bad byte is
                        Err(_) => read_lock(&lock_path),
                    },
                ),
            ))
        });
        let (lock_len, (lock_sha256, lock)) = read?;
        let lock = lock?;
        let workspace = workspace.transpose()?.flatten();
        let source_error = |source| Error::SourceRoot {
            lock: lock_path.clone(),
            source,
        };
        let source_root = match config.as_ref().and_then(|c| c.source_root.as_ref()) {
            Some((file, value)) => SourceRoot::configured(&root, file, value),
            None => SourceRoot::discover(&root),
        }
        .map_err(source_error)?;
        let local_sources = source_root.local_sources(&lock).map_err(source_error)?;
        let local_builds = read_local_builds(&local_sources, workspace.as_ref(), &source_root);
        let index_python = config
            .as_ref()
            .and_then(|c| c.nixpkgs.index.as_deref())
            .and_then(index_python);
        if let Some(cfg) = &config {
            for name in cfg.packages.keys() {
                let known = PackageName::from_str(name)
                    .ok()
                    .is_some_and(|n| lock.packages.iter().any(|p| p.name == n));
                if !known {
                    return Err(Error::UnknownPackage {
                        config: cfg.path.clone(),
                        lock: lock_path,
                        name: name.clone(),
                    });
                }
            }
        }
        let project = Self {
            lock_path,
            lock_sha256,
            lock_len,
            root,
            lock,
            workspace,
            config,
            config_sha256,
            source_root,
            local_sources,
            local_builds,
            index_python,
        };
        Ok(project)
    }

    /// The index path: `--index`, else the config's.
    pub fn index_path(&self, args: &NixpkgsArgs) -> Option<PathBuf> {
        args.index
            .clone()
            .or_else(|| self.config.as_ref().and_then(|c| c.nixpkgs.index.clone()))
    }

    /// The policy: `--policy`, else the config's, else [`Policy::default`] (compatible).
    pub fn policy(&self, args: &NixpkgsArgs) -> Policy {
        args.policy
            .or_else(|| self.config.as_ref().and_then(|c| c.nixpkgs.policy))
            .unwrap_or_default()
    }

    /// The index, when one is configured.
    pub fn read_index(&self, args: &NixpkgsArgs) -> Result<Option<Index>> {
        self.index_path(args)
            .map(|path| Index::read(&path).map_err(|source| Error::Index { path, source }))
            .transpose()
    }

    /// The directory of the overlay without `--out` (the configuration's `output`, else
    /// `nix/python-overlay.nix` beside the lock).
    pub fn default_overlay_dir(&self) -> PathBuf {
        crate::settings::overlay_path(self, None)
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."))
    }

    /// The prefetch sidecar's path: `--hashes`, else the config's, else beside the lock.
    pub fn hashes_path(&self, cli: Option<&Path>) -> PathBuf {
        cli.map(Path::to_path_buf)
            .or_else(|| self.config.as_ref().and_then(|c| c.hashes.clone()))
            .unwrap_or_else(|| self.root.join(lock2nix_fetch::SIDECAR_FILE_NAME))
    }

    /// Per-package plan settings from the configuration, and the sidecar's facts.
    pub fn plan_inputs<'a>(
        &'a self,
        index: Option<&'a Index>,
        policy: Policy,
        facts: lock2nix_plan::Facts,
    ) -> PlanInputs<'a> {
        let mut inputs = PlanInputs {
            index,
            policy,
            workspace: self.workspace.as_ref(),
            facts,
            lock_dir: Some(self.source_root.lock_dir().as_str().to_string()),
            ..PlanInputs::default()
        };
        if let Some(cfg) = &self.config {
            for (name, pc) in &cfg.packages {
                // the configuration checked the name where it read it
                let Ok(pn) = PackageName::from_str(name) else {
                    continue;
                };
                if let Some(attr) = &pc.attr {
                    inputs.attr_overrides.insert(pn.to_string(), attr.clone());
                }
                if let Some(p) = pc.policy {
                    inputs.package_policy.insert(pn.clone(), p);
                }
                if let Some(src) = &pc.src {
                    inputs.sources.insert(pn.clone(), src.clone());
                }
                if !pc.custom.is_empty() {
                    inputs.custom.insert(pn, pc.custom.clone());
                }
            }
        }
        inputs
    }

    /// Were the systems chosen (on the command line or in the config), rather than defaulted?
    pub fn systems_explicit(&self, args: &TargetArgs) -> bool {
        !args.systems.is_empty()
            || self
                .config
                .as_ref()
                .is_some_and(|c| !c.target.systems.is_empty())
    }

    /// The systems: `--system` flags, else the config's, else all four.
    pub fn systems(&self, args: &TargetArgs) -> Result<Vec<System>> {
        let mut out = Vec::new();
        let chosen: Vec<System> = if args.systems.is_empty() {
            self.config
                .as_ref()
                .map(|c| c.target.systems.clone())
                .unwrap_or_default()
        } else {
            args.systems
                .iter()
                .map(|s| parse_system(s))
                .collect::<Result<_>>()?
        };
        for sys in chosen {
            if !out.contains(&sys) {
                out.push(sys);
            }
        }
        if out.is_empty() {
            out = System::ALL.to_vec();
        }
        Ok(out)
    }

    /// The target for `system` (else the one `--system`, else this machine's) from the flags and
    /// the configuration merged once ([`TargetSettings`]), the lock and `tool.uv` settings.
    pub fn target(&self, args: &TargetArgs, system: Option<System>) -> Result<Target> {
        let system = match system {
            Some(s) => s,
            None => match args.systems.as_slice() {
                [] => host_system(),
                [one] => parse_system(one)?,
                _ => return Err(Error::OneSystem),
            },
        };
        let settings = TargetSettings::merge(args, self.config.as_ref().map(|c| &c.target))?;
        self.target_for(&settings, system)
    }

    /// The target for `system` from merged settings.
    pub fn target_for(&self, settings: &TargetSettings, system: System) -> Result<Target> {
        let python = self.python(settings.python.as_deref())?;
        let mut target = Target::new(system, python);
        target.roots = settings.roots.clone();
        target.extras = settings.extras.clone();
        target.groups = settings.groups.clone();
        target.all_groups = settings.all_groups;
        if settings.default_groups {
            match self
                .workspace
                .as_ref()
                .and_then(|ws| ws.root_project.tool_uv.default_groups.clone())
            {
                Some(lock2nix_lock::DefaultGroups::All) => target.all_groups = true,
                Some(lock2nix_lock::DefaultGroups::List(groups)) => target.default_groups = groups,
                None => {
                    target.default_groups =
                        vec![ExtraName::from_str("dev").map_err(|e| Error::Flag {
                            flag: "--default-groups",
                            value: "dev".to_string(),
                            expected: e.to_string(),
                        })?]
                }
            }
        }
        if let Some(macos) = settings.macos_deployment_target {
            target.tag_policy.macos = macos;
        }
        target.prefer = settings.prefer;
        if let Some(ws) = &self.workspace {
            let uv = &ws.root_project.tool_uv;
            target.no_binary.all = uv.no_binary;
            target
                .no_binary
                .names
                .extend(uv.no_binary_package.iter().cloned());
            target.no_build.all = uv.no_build;
            target
                .no_build
                .names
                .extend(uv.no_build_package.iter().cloned());
        }
        target
            .no_binary
            .names
            .extend(settings.no_binary_package.iter().cloned());
        target
            .no_build
            .names
            .extend(settings.no_build_package.iter().cloned());
        Ok(target)
    }
}

impl Project {
    /// The interpreter for `request` (`X.Y`, `X.Y.Z`, or none for the default; see
    /// [`PythonVersion::for_minor`] and [`PythonVersion::default_for`]).
    pub fn python(&self, request: Option<&str>) -> Result<PythonVersion> {
        let rp = self.lock.requires_python.as_ref();
        let rp_text = self.lock.requires_python_raw.as_deref().unwrap_or("");
        let allowed = || {
            let v = PythonVersion::allowed(&self.lock);
            if v.is_empty() {
                "none of 3.10-3.14".to_string()
            } else {
                v.iter()
                    .map(|p| format!("{p} ({})", p.full()))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        match request {
            Some(text) => {
                let asked = PythonVersion::from_str(text).map_err(|e| Error::Flag {
                    flag: "--python",
                    value: text.to_string(),
                    expected: e.to_string(),
                })?;
                if text.trim().split('.').count() == 3 {
                    return Ok(asked);
                }
                PythonVersion::for_minor(asked.major, asked.minor, rp).ok_or_else(|| {
                    Error::Python(format!(
                        "no CPython {text}.x satisfies the lock's requires-python `{rp_text}`; it allows {}",
                        allowed()
                    ))
                })
            }
            None => PythonVersion::default_for(&self.lock, self.index_python).ok_or_else(|| {
                let other = (6..=20)
                    .filter_map(|minor| PythonVersion::for_minor(3, minor, rp))
                    .next();
                Error::Python(match other {
                    Some(v) => format!(
                        "no CPython from 3.10 to 3.14 satisfies the lock's requires-python `{rp_text}`; pass --python {} (a version it allows) if nixpkgs has that interpreter",
                        v.full()
                    ),
                    None => format!(
                        "no CPython 3 version satisfies the lock's requires-python `{rp_text}`"
                    ),
                })
            }),
        }
    }

    /// Was the interpreter chosen by lock2nix (no `--python`, no `target.python`)?
    pub fn python_defaulted(&self, args: &TargetArgs) -> bool {
        args.python.is_none()
            && self
                .config
                .as_ref()
                .is_none_or(|c| c.target.python.is_none())
    }

    /// When the interpreter was lock2nix's choice (no `--python`, no `target.python`) and other
    /// interpreters the lock allows resolve on at least one of `systems`: a hint naming them
    /// (only what works). `None` otherwise.
    pub fn python_hint(
        &self,
        args: &TargetArgs,
        target: &Target,
        systems: &[System],
    ) -> Option<String> {
        if !self.python_defaulted(args) {
            return None;
        }
        let working = self.working_pythons(target, systems);
        let first = working.first()?;
        Some(format!(
            "CPython {} is lock2nix's default; the lock resolves here with {}: pass --python {first}",
            target.python,
            working
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }

    /// The other interpreters the lock allows on which `target`'s selection resolves on at least
    /// one of `systems`, newest first: what a hint may suggest when the chosen one fails.
    pub fn working_pythons(&self, target: &Target, systems: &[System]) -> Vec<PythonVersion> {
        PythonVersion::allowed(&self.lock)
            .into_iter()
            .filter(|p| (p.major, p.minor) != (target.python.major, target.python.minor))
            .filter(|p| {
                systems.iter().any(|&system| {
                    let mut t = target.clone();
                    t.python = *p;
                    t.system = system;
                    lock2nix_resolve::resolve(&self.lock, &t).is_ok()
                })
            })
            .collect()
    }
}

/// The interpreter an index describes, from its first line (`# lock2nix-index v1 python=3.13 …`).
fn index_python(path: &Path) -> Option<(u32, u32)> {
    use std::io::{BufRead, Read};
    let file = std::fs::File::open(path).ok()?;
    let mut first = String::new();
    std::io::BufReader::new(file.take(4096))
        .read_line(&mut first)
        .ok()?;
    let rest = first.strip_prefix("# lock2nix-index ")?;
    let v = rest
        .split_whitespace()
        .find_map(|item| item.strip_prefix("python="))?;
    let (a, b) = v.split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// Parse a Nix system name given with `--system`.
pub fn parse_system(s: &str) -> Result<System> {
    System::from_str(s).map_err(|_| Error::Flag {
        flag: "--system",
        value: s.to_string(),
        expected: format!(
            "unknown system `{s}`; expected one of x86_64-linux, aarch64-linux, x86_64-darwin, aarch64-darwin"
        ),
    })
}

/// The system lock2nix runs on (x86_64-linux when it is none of the four).
pub fn host_system() -> System {
    match (std::env::consts::ARCH, std::env::consts::OS) {
        ("aarch64", "linux") => System::Aarch64Linux,
        ("x86_64", "macos") => System::X86_64Darwin,
        ("aarch64", "macos") => System::Aarch64Darwin,
        _ => System::X86_64Linux,
    }
}
