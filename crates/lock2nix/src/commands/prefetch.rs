//! `lock2nix prefetch`: find what the lock does not say and record it in the sidecar.
//!
//! Items, collected from the lock by `lock2nix_project::prefetch::collect_items`:
//!
//! * every git source of the lock, whatever the target (git sources do not depend on it);
//! * for each target (default: all four systems, the default CPython), the sdists the plan builds
//!   or overrides (`Action::Build` / `Action::Override` whose `src` is a registry sdist or a direct
//!   URL archive), for their `[build-system]`;
//! * the registry wheels of each target's closure, for their requirements: the PEP 658
//!   `<wheel>.metadata` file is tried first on the `--metadata-host` hosts (PyPI's file host by
//!   default; the lock does not say whether the index offers one, so a 404 falls back to the wheel);
//! * with `--all`, every sdist and wheel of the lock instead of the plan's choice.
//!
//! The sidecar is rewritten only when its content changes; entries no longer used are dropped
//! unless `--keep`. `--offline` is a check: no request, and the sidecar is left as it is. The exit code is 1 when an item failed (or, with `--offline`, is missing); the
//! sidecar still records every success.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::Args;
use lock2nix_fetch::{
    default_progress, redact_url, shown, NoProgress, Options, PrefetchItem, Prefetcher,
    ProgressSink, Report, Sidecar, SIDECAR_FILE_NAME,
};

use crate::args::{NixpkgsArgs, TargetArgs};
use lock2nix_project::Project;

use lock2nix_project::prefetch::{
    collect_items, insecure_git_warnings, Collected, Selection, DEFAULT_METADATA_HOST,
};

/// `lock2nix prefetch`.
#[derive(Debug, Args, Clone)]
pub struct PrefetchArgs {
    /// The targets whose sdists and wheels are prefetched (`--system` is repeatable; default: the
    /// configuration's systems, else all four).
    #[command(flatten)]
    pub target: TargetArgs,
    /// The nixpkgs choices (which packages the plan builds or overrides).
    #[command(flatten)]
    pub nixpkgs: NixpkgsArgs,
    /// The sidecar to read and update [default: the configuration's `hashes`, else
    /// lock2nix-hashes.toml beside the lock].
    #[arg(long, value_name = "PATH")]
    pub hashes: Option<PathBuf>,
    /// A check: make no network request and leave the sidecar alone; report what it lacks (exit code
    /// 1 when anything is missing) and what a run would drop.
    #[arg(long)]
    pub offline: bool,
    /// Items fetched at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub jobs: usize,
    /// Every sdist and wheel of the lock, not only what the targets' plans use.
    #[arg(long)]
    pub all: bool,
    /// Keep sidecar entries this run does not use (default: drop them).
    #[arg(long)]
    pub keep: bool,
    /// Base URL GitHub archives are downloaded from: `<BASE>/<owner>/<repo>/archive/<commit>.tar.gz`
    /// (a GitHub Enterprise server or a mirror) [default: https://github.com].
    #[arg(long, value_name = "URL")]
    pub github_archive_base: Option<String>,
    /// Rewrite a git URL prefix before the `git` CLI fetches it, e.g.
    /// `https://git.example.org/=file:///srv/mirror/` (repeatable; the longest prefix wins; sidecar keys
    /// keep the lock's URL).
    #[arg(long = "git-rewrite", value_name = "FROM=TO")]
    pub git_rewrites: Vec<String>,
    /// Environment variable holding a token sent to the GitHub archive base as `Authorization:
    /// Bearer` [default: LOCK2NIX_GITHUB_TOKEN].
    #[arg(long, value_name = "NAME")]
    pub token_env: Option<String>,
    /// Give up on a request (and retry it) when the server sends nothing for this many seconds:
    /// no response, or no more of the body; `git` gives up on an HTTP transfer slower than a
    /// byte a second for as long.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub timeout: u64,
    /// The longest one request (or one `git` command) may take, in seconds, however steadily
    /// the server sends.
    #[arg(long, value_name = "SECONDS", default_value_t = 900)]
    pub max_time: u64,
    /// Host whose wheels are asked for a PEP 658 `.metadata` file before the wheel itself
    /// (repeatable; replaces the default).
    #[arg(long = "metadata-host", value_name = "HOST", default_values_t = [DEFAULT_METADATA_HOST.to_string()])]
    pub metadata_hosts: Vec<String>,
}

/// The fetcher options the flags ask for.
pub fn options(args: &PrefetchArgs) -> Result<Options> {
    if args.timeout == 0 || args.max_time == 0 {
        bail!("--timeout and --max-time take a number of seconds above 0");
    }
    let mut o = Options {
        jobs: args.jobs.max(1),
        offline: args.offline,
        idle_timeout: std::time::Duration::from_secs(args.timeout),
        timeout: std::time::Duration::from_secs(args.max_time),
        ..Options::default()
    };
    if let Some(base) = &args.github_archive_base {
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            bail!("--github-archive-base {base}: expected an http(s) URL");
        }
        o.github_archive_base = base.trim_end_matches('/').to_string();
    }
    for r in &args.git_rewrites {
        match r.split_once('=') {
            Some((from, to)) if !from.is_empty() && !to.is_empty() => {
                o.git_rewrites.push((from.to_string(), to.to_string()))
            }
            _ => bail!("--git-rewrite {r}: expected FROM=TO (two URL prefixes)"),
        }
    }
    if let Some(name) = &args.token_env {
        if name.is_empty() || name.contains('=') {
            bail!("--token-env {name:?}: expected an environment variable name");
        }
        o.token_env = Some(name.clone());
    }
    Ok(o)
}

fn render_report(report: &Report, collected: &Collected) -> String {
    let mut s = String::new();
    for u in &collected.unresolved {
        s.push_str(&format!("skipped target {u}\n"));
    }
    for k in &collected.skipped {
        s.push_str(&format!("not prefetchable: {k}\n"));
    }
    let described: BTreeMap<String, String> = collected
        .items
        .iter()
        .map(|i| (i.key(), i.describe()))
        .collect();
    for k in &report.missing {
        match described.get(k) {
            Some(d) if d.contains(k.as_str()) => s.push_str(&format!("missing: {d}\n")),
            Some(d) => s.push_str(&format!("missing: {d} ({k})\n")),
            None => s.push_str(&format!("missing: {k}\n")),
        }
    }
    for f in &report.failed {
        let e = f.error.to_string();
        if e.starts_with(&f.description) {
            s.push_str(&format!("failed: {}\n", shown(&e)));
        } else {
            s.push_str(&format!(
                "failed: {}: {}\n",
                shown(&f.description),
                shown(&e)
            ));
        }
    }
    // every line quotes the lock or a server: escaped and bounded
    s.lines().map(|l| shown(l) + "\n").collect()
}

/// The sidecar: `--hashes`, else the configuration's `hashes`, else beside the lock.
pub fn sidecar_path(project: &Project, args: &PrefetchArgs) -> PathBuf {
    args.hashes
        .clone()
        .or_else(|| project.config.as_ref().and_then(|c| c.hashes.clone()))
        .unwrap_or_else(|| project.root.join(SIDECAR_FILE_NAME))
}

/// Run `lock2nix prefetch`.
pub fn run(args: &PrefetchArgs) -> Result<()> {
    let project = crate::commands::load(&args.target.lock)?;
    let hashes = sidecar_path(&project, args);
    let existed = hashes.exists();
    let mut sidecar = Sidecar::read(&hashes)
        .with_context(|| format!("cannot read the prefetch sidecar {}", hashes.display()))?;
    let mut options = options(args)?;
    // Cargo.lock files of Rust sdists go beside the overlay (nix/cargo-locks by default)
    options.cargo_locks = Some(lock2nix_fetch::CargoLockStore::for_overlay(
        &hashes,
        &project.default_overlay_dir(),
    ));
    let collected = collect_items(
        &project,
        &Selection {
            target: &args.target,
            nixpkgs: &args.nixpkgs,
            all: args.all,
            metadata_hosts: &args.metadata_hosts,
        },
    )?;
    if !options.offline {
        for w in insecure_git_warnings(&collected.items, &options.git_rewrites) {
            eprintln!("warning: {}", shown(&w));
        }
        if lock2nix_fetch::is_remote_plain_http(&options.github_archive_base) {
            eprintln!(
                "warning: --github-archive-base {}: plain HTTP; the archives' NAR hashes are trusted on first use (use https://)",
                shown(&redact_url(&options.github_archive_base))
            );
        }
    }
    // Offline, the summary below says everything; the progress sink would only repeat it.
    let progress: Arc<dyn ProgressSink> = if options.offline {
        Arc::new(NoProgress)
    } else {
        default_progress()
    };
    let report = Prefetcher::new(options)
        .with_progress(progress)
        .run(&collected.items, &mut sidecar);
    let before = sidecar.clone();
    let dropped = if args.keep {
        0
    } else {
        let used: BTreeSet<String> = collected.items.iter().map(PrefetchItem::key).collect();
        sidecar.retain(|k| used.contains(k))
    };
    // Offline is a check: it reports, and never touches the sidecar.
    let written = if args.offline || (!existed && sidecar.is_empty()) {
        false
    } else {
        sidecar
            .write_if_changed(&hashes)
            .with_context(|| format!("cannot write the prefetch sidecar {}", hashes.display()))?
    };
    if written {
        // the Cargo.lock files of dropped entries, unless edited since
        let base = hashes
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        for path in lock2nix_fetch::remove_unused_cargo_locks(base, &before, &sidecar) {
            eprintln!("removed the unused {}", shown(&path));
        }
    }
    eprint!("{}", render_report(&report, &collected));
    let mut summary = format!("{}\n", report.summary());
    if dropped > 0 {
        summary.push_str(&format!(
            "{} {dropped} unused entr{}\n",
            if args.offline {
                "would drop (without --offline)"
            } else {
                "dropped"
            },
            if dropped == 1 { "y" } else { "ies" }
        ));
    }
    summary.push_str(&format!(
        "{} {}\n",
        if written {
            "wrote"
        } else if args.offline {
            "offline, not written:"
        } else if existed {
            "unchanged:"
        } else {
            "nothing recorded, not created:"
        },
        hashes.display()
    ));
    crate::commands::emit(&summary)?;
    if !report.failed.is_empty() {
        bail!(
            "{} of {} item(s) could not be prefetched (see above); {} keeps every success, run again to retry",
            report.failed.len(),
            report.total,
            hashes.display()
        );
    }
    if !report.missing.is_empty() {
        bail!(
            "{} of {} item(s) are missing from {} (--offline made no request); run `lock2nix prefetch` without --offline",
            report.missing.len(),
            report.total,
            hashes.display()
        );
    }
    Ok(())
}
