//! Loading a lock with its workspace, and turning target flags into a [`Target`].

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{bail, Context, Result};
use lock2nix_lock::pep508_rs::{ExtraName, PackageName};
use lock2nix_lock::{read_lock, read_workspace, stale_warnings, Lock, Workspace};
use lock2nix_resolve::{Prefer, PythonVersion, Target};
use lock2nix_wheel::System;

use crate::args::{PreferArg, TargetArgs};

/// A lock and, when its directory has a `pyproject.toml`, the workspace.
pub struct Project {
    /// The lock file.
    pub lock_path: PathBuf,
    /// The directory of the lock (the workspace root).
    pub root: PathBuf,
    /// The lock.
    pub lock: Lock,
    /// The workspace, when there is a pyproject.toml.
    pub workspace: Option<Workspace>,
}

impl Project {
    /// Read the lock and the workspace beside it; print warnings to stderr.
    pub fn load(lock_path: &Path) -> Result<Self> {
        if !lock_path.exists() {
            bail!(
                "{} does not exist: pass --lock PATH, or run `uv lock` in the project first",
                lock_path.display()
            );
        }
        let lock = read_lock(lock_path)?;
        let root = lock_path
            .parent()
            .map(|p| {
                if p.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    p.to_path_buf()
                }
            })
            .unwrap_or_else(|| PathBuf::from("."));
        let workspace = if root.join("pyproject.toml").is_file() {
            Some(read_workspace(&root)?)
        } else {
            None
        };
        for w in &lock.warnings {
            eprintln!("warning: {w}");
        }
        if let Some(ws) = &workspace {
            for w in stale_warnings(&lock, ws) {
                eprintln!("warning: {w}");
            }
        }
        Ok(Self {
            lock_path: lock_path.to_path_buf(),
            root,
            lock,
            workspace,
        })
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
        let python = match &args.python {
            Some(p) => PythonVersion::from_str(p).map_err(anyhow::Error::msg)?,
            None => PythonVersion::default_for(&self.lock).with_context(|| {
                format!(
                    "no CPython from 3.10 to 3.14 satisfies the lock's requires-python `{}`; pass --python X.Y",
                    self.lock.requires_python_raw.as_deref().unwrap_or("")
                )
            })?,
        };
        let mut target = Target::new(system, python);
        target.roots = names(&args.roots, "--root")?;
        target.extras = extras(&args.extras, "--extra")?;
        target.groups = extras(&args.groups, "--group")?;
        target.all_groups = args.all_groups;
        target.prefer = match args.prefer {
            PreferArg::Wheel => Prefer::Wheel,
            PreferArg::Sdist => Prefer::Sdist,
        };
        if let Some(ws) = &self.workspace {
            let uv = &ws.root_project.tool_uv;
            target.no_binary.all = uv.no_binary;
            target.no_binary.names.extend(uv.no_binary_package.iter().cloned());
            target.no_build.all = uv.no_build;
            target.no_build.names.extend(uv.no_build_package.iter().cloned());
        }
        target
            .no_binary
            .names
            .extend(names(&args.no_binary_package, "--no-binary-package")?);
        target
            .no_build
            .names
            .extend(names(&args.no_build_package, "--no-build-package")?);
        Ok(target)
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
            PackageName::from_str(v).map_err(|e| anyhow::anyhow!("{flag} {v}: not a package name ({e})"))
        })
        .collect()
}

fn extras(values: &[String], flag: &str) -> Result<Vec<ExtraName>> {
    values
        .iter()
        .map(|v| ExtraName::from_str(v).map_err(|e| anyhow::anyhow!("{flag} {v}: not a valid name ({e})")))
        .collect()
}

/// A "what to do" line for errors that have one.
pub fn hint_for(e: &anyhow::Error) -> Option<&'static str> {
    if let Some(le) = e.downcast_ref::<lock2nix_lock::Error>() {
        return le.hint();
    }
    None
}
