//! `lock2nix check` and `lock2nix override add`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use lock2nix_config::{set_package_value, SetValue};

use lock2nix_project::OverlayHeader;

use crate::args::{LockArgs, OverrideCommand};
use crate::output::write_atomic;

/// Is the overlay current? Its header names every input that shapes it (lock, configuration,
/// prefetch sidecar, nixpkgs index, lock2nix's version); each is compared with what is there now.
pub fn run(args: &LockArgs, out: Option<&Path>) -> Result<ExitCode> {
    let project = crate::commands::load(args)?;
    let overlay: PathBuf = lock2nix_project::settings::overlay_path(&project, out);
    let regenerate = match &project.config {
        Some(c) => format!("lock2nix translate --config {}", c.path.display()),
        None => format!("lock2nix translate --lock {}", project.lock_path.display()),
    };
    let text = std::fs::read_to_string(&overlay).with_context(|| {
        format!(
            "cannot read the overlay {} (generate it with `{regenerate}`)",
            overlay.display()
        )
    })?;
    let header: OverlayHeader = text.parse().with_context(|| {
        format!(
            "{} has no header lock2nix can read (regenerate it with `{regenerate}`)",
            overlay.display()
        )
    })?;
    // the sidecar and index the configuration names now (a changed path is a changed input)
    let sidecar = project.hashes_path(None);
    let index = project
        .config
        .as_ref()
        .and_then(|c| c.nixpkgs.index.clone());
    let mut now = lock2nix_project::current_inputs(&project, &sidecar, index.as_deref())?;
    if index.is_none() && header.index.is_some() {
        // made with --index: the header's file name is all `check` knows of it
        now.index.clone_from(&header.index);
        eprintln!(
            "note: the overlay was made with --index {}; pass the same index to translate to compare it",
            header.index.as_ref().map_or("", |(n, _)| n.as_str())
        );
    }
    let stale = header.differences(&now);
    if stale.is_empty() {
        println!(
            "{} is up to date with {}",
            overlay.display(),
            project.lock_path.display()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("error: {} is stale:", overlay.display());
        for s in &stale {
            eprintln!("  - {s}");
        }
        eprintln!("hint: regenerate it with `{regenerate}` and commit the result");
        Ok(ExitCode::from(1))
    }
}

pub fn override_cmd(cmd: &OverrideCommand) -> Result<()> {
    let OverrideCommand::Add {
        package,
        config,
        attr,
        policy,
        build_system,
        native_build_inputs,
        build_inputs,
        remove_deps,
        do_check,
    } = cmd;
    let mut text = match std::fs::read_to_string(config) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", config.display())),
    };
    let mut edits: Vec<(&str, SetValue)> = Vec::new();
    if let Some(a) = attr {
        edits.push(("attr", SetValue::Str(a.clone())));
    }
    if let Some(p) = policy {
        edits.push(("policy", SetValue::Str(p.clone())));
    }
    if !build_system.is_empty() {
        edits.push(("build-system", SetValue::Append(build_system.clone())));
    }
    if !native_build_inputs.is_empty() {
        edits.push((
            "native-build-inputs",
            SetValue::Append(native_build_inputs.clone()),
        ));
    }
    if !build_inputs.is_empty() {
        edits.push(("build-inputs", SetValue::Append(build_inputs.clone())));
    }
    if !remove_deps.is_empty() {
        edits.push(("python-remove-deps", SetValue::Append(remove_deps.clone())));
    }
    if let Some(d) = do_check {
        edits.push(("do-check", SetValue::Bool(*d)));
    }
    if edits.is_empty() {
        anyhow::bail!("nothing to add: pass at least one of --attr, --policy, --build-system, --native-build-input, --build-input, --remove-dep, --do-check");
    }
    for (key, value) in edits {
        text = set_package_value(&text, package, key, value).map_err(|e| {
            anyhow::anyhow!(
                "{}: {}",
                config.display(),
                e.to_string().trim_start_matches("lock2nix.toml: ")
            )
        })?;
    }
    // validate the whole file as lock2nix will read it
    lock2nix_config::parse(&text, config)?;
    write_atomic(config, text.as_bytes())?;
    eprintln!("updated [packages.{package}] in {}", config.display());
    Ok(())
}
