//! Loading a lock with its workspace, and turning target flags into a [`Target`].

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{bail, Context, Result};
use lock2nix_lock::pep508_rs::{ExtraName, PackageName};
use lock2nix_lock::{parse_lock, read_lock, read_workspace, stale_warnings, Lock, Workspace};
use lock2nix_resolve::{Prefer, PythonVersion, Target};
use lock2nix_wheel::System;

use lock2nix_config::Config;
use lock2nix_nixpkgs::Index;
use lock2nix_plan::{PlanInputs, Policy};
use sha2::Digest;

use crate::args::{LockArgs, NixpkgsArgs, PreferArg, TargetArgs};

/// A lock and, when its directory has a `pyproject.toml`, the workspace; and the configuration.
pub struct Project {
    /// The lock file.
    pub lock_path: PathBuf,
    /// sha256 of the lock file's bytes (hex).
    pub lock_sha256: String,
    /// The directory of the lock (the workspace root).
    pub root: PathBuf,
    /// The lock.
    pub lock: Lock,
    /// The workspace, when there is a pyproject.toml.
    pub workspace: Option<Workspace>,
    /// The configuration, when there is one.
    pub config: Option<Config>,
    /// sha256 of the configuration file.
    pub config_sha256: Option<String>,
}

fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

impl Project {
    /// Find the configuration and the lock, read them and the workspace; print warnings to stderr.
    pub fn load(args: &LockArgs) -> Result<Self> {
        let project = Self::load_quiet_about_staleness(args)?;
        print_warnings(&project.stale_warnings());
        Ok(project)
    }

    /// The workspace members whose pyproject.toml no longer matches the lock (see
    /// [`lock2nix_lock::stale_warnings`]); empty without a workspace.
    pub fn stale_warnings(&self) -> Vec<lock2nix_lock::Warning> {
        self.workspace
            .as_ref()
            .map(|ws| stale_warnings(&self.lock, ws))
            .unwrap_or_default()
    }

    /// Like [`Project::load`], without the stale-lock check (for callers that run it alongside
    /// other work: it costs a few ms on big workspaces).
    // lock2nix_lock::Error is large (file, position, key path, kind); it is only moved, never hot.
    #[allow(clippy::result_large_err)]
    pub fn load_quiet_about_staleness(args: &LockArgs) -> Result<Self> {
        let config_path = match (&args.config, &args.lock) {
            (Some(c), _) => Some(c.clone()),
            (None, Some(lock)) => Some(dir_of(lock).join("lock2nix.toml")).filter(|p| p.is_file()),
            (None, None) => Some(PathBuf::from("lock2nix.toml")).filter(|p| p.is_file()),
        };
        let (config, config_sha256) = match &config_path {
            Some(path) => {
                let bytes = std::fs::read(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let cfg = lock2nix_config::read(path)?;
                (Some(cfg), Some(hex::encode(sha2::Sha256::digest(&bytes))))
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
            bail!(
                "{} does not exist: pass --lock PATH (or set `lock` in lock2nix.toml), or run `uv lock` in the project first",
                lock_path.display()
            );
        }
        // One read: the bytes are hashed (for the overlay's header) and parsed.
        let bytes = std::fs::read(&lock_path)
            .with_context(|| format!("cannot read {}", lock_path.display()))?;
        // hashing, parsing and reading the workspace overlap (the parse itself runs on rayon's pool)
        let root = dir_of(&lock_path);
        let ((lock_sha256, lock), workspace) = rayon::join(
            || {
                rayon::join(
                    || hex::encode(sha2::Sha256::digest(&bytes)),
                    || match std::str::from_utf8(&bytes) {
                        Ok(text) => parse_lock(text, &lock_path),
                        // the reader reports where the bad byte is
                        Err(_) => read_lock(&lock_path),
                    },
                )
            },
            || {
                root.join("pyproject.toml")
                    .is_file()
                    .then(|| read_workspace(&root))
                    .transpose()
            },
        );
        let lock = lock?;
        let workspace = workspace?;
        for w in &lock.warnings {
            eprintln!("warning: {w}");
        }
        if let Some(cfg) = &config {
            for name in cfg.packages.keys() {
                let known = PackageName::from_str(name)
                    .ok()
                    .is_some_and(|n| lock.packages.iter().any(|p| p.name == n));
                if !known {
                    bail!(
                        "{}: [packages.{name}] configures a package that is not in {}; remove the section or fix the name",
                        cfg.path.display(),
                        lock_path.display()
                    );
                }
            }
        }
        Ok(Self {
            lock_path,
            lock_sha256,
            root,
            lock,
            workspace,
            config,
            config_sha256,
        })
    }

    /// The index path: `--index`, else the config's.
    pub fn index_path(&self, args: &NixpkgsArgs) -> Option<PathBuf> {
        args.index
            .clone()
            .or_else(|| self.config.as_ref().and_then(|c| c.nixpkgs.index.clone()))
    }

    /// The policy: `--policy`, else the config's, else [`Policy::default`] (compatible).
    pub fn policy(&self, args: &NixpkgsArgs) -> Result<Policy> {
        match args
            .policy
            .clone()
            .or_else(|| self.config.as_ref().and_then(|c| c.nixpkgs.policy.clone()))
        {
            Some(text) => Ok(Policy::from_str(&text)?),
            None => Ok(Policy::default()),
        }
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
    ) -> Result<PlanInputs<'a>> {
        let mut inputs = PlanInputs {
            index,
            policy,
            workspace: self.workspace.as_ref(),
            facts,
            ..PlanInputs::default()
        };
        if let Some(cfg) = &self.config {
            for (name, pc) in &cfg.packages {
                let pn = PackageName::from_str(name)
                    .map_err(|e| anyhow::anyhow!("[packages.{name}]: {e}"))?;
                if let Some(attr) = &pc.attr {
                    inputs.attr_overrides.insert(pn.to_string(), attr.clone());
                }
                if let Some(p) = &pc.policy {
                    inputs
                        .package_policy
                        .insert(pn.clone(), Policy::from_str(p)?);
                }
                if let Some(src) = &pc.src {
                    inputs.sources.insert(pn.clone(), src.clone());
                }
                if !pc.custom.is_empty() {
                    inputs.custom.insert(pn, pc.custom.clone());
                }
            }
        }
        Ok(inputs)
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
        let names: Vec<String> = if !args.systems.is_empty() {
            args.systems.clone()
        } else {
            self.config
                .as_ref()
                .map(|c| c.target.systems.clone())
                .unwrap_or_default()
        };
        if names.is_empty() {
            return Ok(System::ALL.to_vec());
        }
        let mut out = Vec::new();
        for s in &names {
            let sys = parse_system(s)?;
            if !out.contains(&sys) {
                out.push(sys);
            }
        }
        Ok(out)
    }

    /// Build the target from flags, the lock and `tool.uv` settings.
    pub fn target(&self, args: &TargetArgs, system: Option<System>) -> Result<Target> {
        let system = match system {
            Some(s) => s,
            None => match args.systems.as_slice() {
                [] => host_system(),
                [one] => parse_system(one)?,
                _ => bail!("this command takes one --system"),
            },
        };
        let cfg_target = self
            .config
            .as_ref()
            .map(|c| c.target.clone())
            .unwrap_or_default();
        let pick = |cli: &Vec<String>, cfg: &Vec<String>| {
            if cli.is_empty() {
                cfg.clone()
            } else {
                cli.clone()
            }
        };
        let python_text = args.python.clone().or(cfg_target.python.clone());
        let python = match &python_text {
            Some(p) => PythonVersion::from_str(p).map_err(anyhow::Error::msg)?,
            None => PythonVersion::default_for(&self.lock).with_context(|| {
                format!(
                    "no CPython from 3.10 to 3.14 satisfies the lock's requires-python `{}`; pass --python X.Y",
                    self.lock.requires_python_raw.as_deref().unwrap_or("")
                )
            })?,
        };
        let mut target = Target::new(system, python);
        target.roots = names(&pick(&args.roots, &cfg_target.roots), "--root")?;
        target.extras = extras(&pick(&args.extras, &cfg_target.extras), "--extra")?;
        target.groups = extras(&pick(&args.groups, &cfg_target.groups), "--group")?;
        target.all_groups = args.all_groups || cfg_target.all_groups;
        target.prefer = match (args.prefer, cfg_target.prefer.as_deref()) {
            (Some(PreferArg::Sdist), _) | (None, Some("sdist")) => Prefer::Sdist,
            (Some(PreferArg::Wheel), _) | (None, Some("wheel") | None) => Prefer::Wheel,
            (None, Some(other)) => {
                bail!("target.prefer = {other:?}: expected \"wheel\" or \"sdist\"")
            }
        };
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
            .extend(names(&args.no_binary_package, "--no-binary-package")?);
        target.no_binary.names.extend(names(
            &cfg_target.no_binary_package,
            "target.no-binary-package",
        )?);
        target
            .no_build
            .names
            .extend(names(&args.no_build_package, "--no-build-package")?);
        target.no_build.names.extend(names(
            &cfg_target.no_build_package,
            "target.no-build-package",
        )?);
        Ok(target)
    }
}

/// Print warnings to stderr.
pub fn print_warnings(warnings: &[lock2nix_lock::Warning]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

/// Parse a Nix system name.
pub fn parse_system(s: &str) -> Result<System> {
    System::from_str(s).map_err(|_| {
        anyhow::anyhow!(
            "unknown system `{s}`: expected one of x86_64-linux, aarch64-linux, x86_64-darwin, aarch64-darwin"
        )
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

fn names(values: &[String], flag: &str) -> Result<Vec<PackageName>> {
    values
        .iter()
        .map(|v| {
            PackageName::from_str(v)
                .map_err(|e| anyhow::anyhow!("{flag} {v}: not a package name ({e})"))
        })
        .collect()
}

fn extras(values: &[String], flag: &str) -> Result<Vec<ExtraName>> {
    values
        .iter()
        .map(|v| {
            ExtraName::from_str(v)
                .map_err(|e| anyhow::anyhow!("{flag} {v}: not a valid name ({e})"))
        })
        .collect()
}

/// A "what to do" line for errors that have one.
pub fn hint_for(e: &anyhow::Error) -> Option<&'static str> {
    for cause in e.chain() {
        if let Some(le) = cause.downcast_ref::<lock2nix_lock::Error>() {
            return le.hint();
        }
    }
    None
}
