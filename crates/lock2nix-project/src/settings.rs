//! Command-line flags and `lock2nix.toml` merged once per command: a flag wins over the
//! configuration, the configuration over the default. Configuration values arrive typed (the
//! configuration reader checked them where they are written, with their positions); flags are
//! checked here and name the flag.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lock2nix_config::{Config, TargetConfig};
use lock2nix_lock::pep508_rs::{ExtraName, PackageName};
use lock2nix_plan::{EnvSpec, Policy};
use lock2nix_resolve::Prefer;
use lock2nix_wheel::System;

use crate::flags::{EnvArgs, PreferArg, TargetArgs, TranslateArgs};
use crate::project::Project;
use crate::Error;

/// The target choices of one command, merged.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TargetSettings {
    /// `X.Y` or `X.Y.Z` as asked; `None` lets lock2nix choose ([`Project::python`]).
    pub python: Option<String>,
    pub roots: Vec<PackageName>,
    pub extras: Vec<ExtraName>,
    pub groups: Vec<ExtraName>,
    pub all_groups: bool,
    /// Add the groups `uv sync` installs by default.
    pub default_groups: bool,
    pub macos_deployment_target: Option<(u32, u32)>,
    pub prefer: Prefer,
    /// Added to `tool.uv`'s lists (the flags' and the configuration's together).
    pub no_binary_package: Vec<PackageName>,
    pub no_build_package: Vec<PackageName>,
}

impl TargetSettings {
    /// `args` over `config`: a list given on the command line replaces the configuration's;
    /// `no-binary-package`/`no-build-package` add up.
    pub fn merge(args: &TargetArgs, config: Option<&TargetConfig>) -> Result<Self, Error> {
        let empty = TargetConfig::default();
        let cfg = config.unwrap_or(&empty);
        let names = |values: &[String], flag: &'static str| -> Result<Vec<PackageName>, Error> {
            values
                .iter()
                .map(|v| {
                    PackageName::from_str(v).map_err(|e| Error::Flag {
                        flag,
                        value: v.clone(),
                        expected: format!("not a package name ({e})"),
                    })
                })
                .collect()
        };
        let extras = |values: &[String], flag: &'static str| -> Result<Vec<ExtraName>, Error> {
            values
                .iter()
                .map(|v| {
                    ExtraName::from_str(v).map_err(|e| Error::Flag {
                        flag,
                        value: v.clone(),
                        expected: format!("not a valid name ({e})"),
                    })
                })
                .collect()
        };
        let pick = |cli: Vec<ExtraName>, cfg: &[ExtraName]| {
            if cli.is_empty() {
                cfg.to_vec()
            } else {
                cli
            }
        };
        let roots = names(&args.roots, "--root")?;
        let macos = match &args.macos_deployment_target {
            Some(text) => Some(
                lock2nix_config::parse_macos(text.trim()).map_err(|expected| Error::Flag {
                    flag: "--macos-deployment-target",
                    value: text.clone(),
                    expected,
                })?,
            ),
            None => cfg.macos_deployment_target,
        };
        let mut no_binary_package = names(&args.no_binary_package, "--no-binary-package")?;
        no_binary_package.extend(cfg.no_binary_package.iter().cloned());
        let mut no_build_package = names(&args.no_build_package, "--no-build-package")?;
        no_build_package.extend(cfg.no_build_package.iter().cloned());
        Ok(Self {
            python: args.python.clone().or_else(|| cfg.python.clone()),
            roots: if roots.is_empty() {
                cfg.roots.clone()
            } else {
                roots
            },
            extras: pick(extras(&args.extras, "--extra")?, &cfg.extras),
            groups: pick(extras(&args.groups, "--group")?, &cfg.groups),
            all_groups: args.all_groups || cfg.all_groups,
            default_groups: args.default_groups || cfg.default_groups,
            macos_deployment_target: macos,
            prefer: match args.prefer {
                Some(PreferArg::Sdist) => Prefer::Sdist,
                Some(PreferArg::Wheel) => Prefer::Wheel,
                None => cfg.prefer.unwrap_or_default(),
            },
            no_binary_package,
            no_build_package,
        })
    }
}

/// Where the overlay goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    Stdout,
    File(PathBuf),
}

impl Output {
    /// The directory the overlay's relative paths start from (the working directory for stdout).
    pub fn dir(&self) -> PathBuf {
        match self {
            Output::Stdout => PathBuf::from("."),
            Output::File(p) => p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        }
    }
}

/// Everything `translate` decided from its flags and the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub target: TargetSettings,
    pub systems: Vec<System>,
    /// The systems were named (flag or configuration): each must resolve. Defaulted ones that
    /// cannot be installed are left out with a warning.
    pub systems_explicit: bool,
    pub policy: Policy,
    pub index: Option<PathBuf>,
    pub sidecar: PathBuf,
    pub output: Output,
    /// The private interpreter's name, when chosen.
    pub scope: Option<String>,
    /// Extend nixpkgs' own Python package sets instead of adding a private interpreter.
    pub global: bool,
    /// Write `lib.fakeHash` where a hash was not prefetched instead of failing.
    pub allow_missing_hashes: bool,
    /// The environments (`<scope>.envs.NAME`), sorted by name.
    pub envs: Vec<EnvSpec>,
}

/// The environments: `default` and `dev`, the configuration's `[envs.NAME]`, then `--env`
/// (a later one of a name replaces an earlier one).
pub fn env_specs(config: Option<&Config>, args: &EnvArgs) -> Result<Vec<EnvSpec>, Error> {
    let mut configured: Vec<EnvSpec> = config
        .map(|c| c.envs.values().cloned().collect())
        .unwrap_or_default();
    for e in &args.envs {
        configured.push(
            e.parse()
                .map_err(|err: lock2nix_plan::EnvSpecError| Error::Flag {
                    flag: "--env",
                    value: e.clone(),
                    expected: err.to_string(),
                })?,
        );
    }
    Ok(EnvSpec::with_defaults(configured))
}

impl Settings {
    /// Merge `translate`'s flags with the project's configuration.
    pub fn for_translate(project: &Project, args: &TranslateArgs) -> Result<Self, Error> {
        let cfg: Option<&Config> = project.config.as_ref();
        let output = match (&args.out, cfg.and_then(|c| c.output.clone())) {
            (Some(p), _) if p.as_os_str() == "-" => Output::Stdout,
            (Some(p), _) => Output::File(p.clone()),
            (None, Some(p)) => Output::File(p),
            (None, None) => Output::File(default_output(project)),
        };
        Ok(Self {
            target: TargetSettings::merge(&args.target, cfg.map(|c| &c.target))?,
            systems: project.systems(&args.target)?,
            systems_explicit: project.systems_explicit(&args.target),
            policy: project.policy(&args.nixpkgs),
            index: project.index_path(&args.nixpkgs),
            sidecar: project.hashes_path(args.hashes.as_deref()),
            output,
            scope: args
                .scope
                .clone()
                .or_else(|| cfg.and_then(|c| c.nixpkgs.scope.clone())),
            global: args.global || cfg.is_some_and(|c| c.nixpkgs.global),
            allow_missing_hashes: args.allow_missing_hashes,
            envs: env_specs(cfg, &args.envs)?,
        })
    }
}

/// `nix/python-overlay.nix` beside the lock.
pub fn default_output(project: &Project) -> PathBuf {
    project.root.join("nix").join("python-overlay.nix")
}

/// The overlay `check` reads: `--out`, else the configuration's `output`, else the default.
pub fn overlay_path(project: &Project, out: Option<&Path>) -> PathBuf {
    match (out, project.config.as_ref().and_then(|c| c.output.clone())) {
        (Some(p), _) => p.to_path_buf(),
        (None, Some(p)) => p,
        (None, None) => default_output(project),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flags::LockArgs;

    fn args() -> TargetArgs {
        TargetArgs::for_lock(LockArgs {
            lock: None,
            config: None,
        })
    }

    #[test]
    fn flags_win_lists_replace_and_exclusions_add_up() {
        let cfg = lock2nix_config::parse(
            "[target]\npython = \"3.12\"\nextras = [\"a\"]\ngroups = [\"dev\"]\nprefer = \"sdist\"\nmacos-deployment-target = \"13.0\"\nno-binary-package = [\"x\"]\n",
            Path::new("lock2nix.toml"),
        )
        .unwrap();
        let only_config = TargetSettings::merge(&args(), Some(&cfg.target)).unwrap();
        assert_eq!(only_config.python.as_deref(), Some("3.12"));
        assert_eq!(only_config.prefer, Prefer::Sdist);
        assert_eq!(only_config.macos_deployment_target, Some((13, 0)));
        assert_eq!(only_config.extras, [ExtraName::from_str("a").unwrap()]);
        let mut a = args();
        a.python = Some("3.13".into());
        a.extras = vec!["b".into()];
        a.prefer = Some(PreferArg::Wheel);
        a.macos_deployment_target = Some("14.2".into());
        a.no_binary_package = vec!["y".into()];
        let merged = TargetSettings::merge(&a, Some(&cfg.target)).unwrap();
        assert_eq!(merged.python.as_deref(), Some("3.13"));
        assert_eq!(merged.extras, [ExtraName::from_str("b").unwrap()]);
        assert_eq!(merged.groups, [ExtraName::from_str("dev").unwrap()]);
        assert_eq!(merged.prefer, Prefer::Wheel);
        assert_eq!(merged.macos_deployment_target, Some((14, 2)));
        let names: Vec<String> = merged
            .no_binary_package
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(names, ["y", "x"]);
    }

    #[test]
    fn bad_flags_name_the_flag() {
        let mut a = args();
        a.macos_deployment_target = Some("fourteen".into());
        let e = TargetSettings::merge(&a, None).unwrap_err().to_string();
        assert!(
            e.starts_with("--macos-deployment-target fourteen: expected"),
            "{e}"
        );
        let mut a = args();
        a.roots = vec!["not a name".into()];
        let e = TargetSettings::merge(&a, None).unwrap_err().to_string();
        assert!(
            e.starts_with("--root not a name: not a package name"),
            "{e}"
        );
    }
}
