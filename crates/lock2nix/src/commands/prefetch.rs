//! `lock2nix prefetch`: find what the lock does not say and record it in the sidecar.
//!
//! Items, collected from the lock (see [`collect_items`]):
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
    default_progress, redact_url, shown, MetadataHint, NoProgress, Options, PrefetchItem,
    Prefetcher, ProgressSink, Report, Sidecar, SIDECAR_FILE_NAME,
};
use lock2nix_lock::{Hash, HashAlgorithm, Lock, SdistLocator, Source, WheelLocator};
use lock2nix_plan::{plan, Format, Recipe, Src};
use lock2nix_resolve::{resolve, Artifact, Location};

use crate::args::{NixpkgsArgs, TargetArgs};
use lock2nix_project::Project;

/// The host whose wheels have a PEP 658 `.metadata` file tried first, unless `--metadata-host` says
/// otherwise.
pub const DEFAULT_METADATA_HOST: &str = "files.pythonhosted.org";

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

/// What [`collect_items`] found.
#[derive(Debug, Default)]
pub struct Collected {
    /// The items, sorted by (kind, key), without duplicates.
    pub items: Vec<PrefetchItem>,
    /// Sources that cannot be prefetched and why (e.g. no sha256 in the lock), sorted.
    pub skipped: Vec<String>,
    /// Targets that could not be resolved (only when the systems were not given explicitly).
    pub unresolved: Vec<String>,
}

/// The lock's sha256 of a file, as hex.
fn sha256_hex(hash: Option<&Hash>) -> Option<String> {
    hash.filter(|h| h.algorithm == HashAlgorithm::Sha256)
        .map(Hash::hex)
}

/// The host part of a URL (without user info and port), lower-cased.
fn url_host(url: &str) -> Option<String> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let host = if let Some(stripped) = host_port.strip_prefix('[') {
        stripped.split(']').next().unwrap_or(stripped)
    } else {
        host_port.split(':').next().unwrap_or(host_port)
    };
    Some(host.to_ascii_lowercase())
}

fn is_wheel_url(url: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    path.to_ascii_lowercase().ends_with(".whl")
}

struct Collector<'a> {
    metadata_hosts: &'a [String],
    items: BTreeMap<(u8, String), PrefetchItem>,
    skipped: BTreeSet<String>,
}

impl Collector<'_> {
    fn add(&mut self, item: PrefetchItem) {
        let rank = match item {
            PrefetchItem::Git { .. } => 0,
            PrefetchItem::Sdist { .. } => 1,
            PrefetchItem::Wheel { .. } => 2,
        };
        // one item per package directory of a git source (the prefetcher fetches the commit
        // once and reads each directory's build system)
        let key = match &item {
            PrefetchItem::Git { subdirectory, .. } => format!(
                "{}\n{}",
                item.key(),
                subdirectory.as_deref().unwrap_or_default()
            ),
            _ => item.key(),
        };
        self.items.entry((rank, key)).or_insert(item);
    }

    fn sdist(&mut self, package: &str, version: &str, url: &str, hash: Option<&Hash>) {
        match sha256_hex(hash) {
            Some(sha256) => self.add(PrefetchItem::Sdist {
                package: package.to_string(),
                version: version.to_string(),
                url: url.to_string(),
                sha256,
            }),
            None => {
                self.skipped.insert(format!(
                    "sdist {package} {version}: the lock records no sha256 for {}",
                    redact_url(url)
                ));
            }
        }
    }

    fn wheel(&mut self, package: &str, version: &str, url: &str, hash: Option<&Hash>) {
        match sha256_hex(hash) {
            Some(sha256) => {
                let core_metadata = url_host(url)
                    .filter(|h| {
                        self.metadata_hosts
                            .iter()
                            .any(|m| m.eq_ignore_ascii_case(h))
                    })
                    .map(|_| MetadataHint { sha256: None });
                self.add(PrefetchItem::Wheel {
                    package: package.to_string(),
                    version: version.to_string(),
                    url: url.to_string(),
                    sha256,
                    core_metadata,
                });
            }
            None => {
                self.skipped.insert(format!(
                    "wheel {package} {version}: the lock records no sha256 for {}",
                    redact_url(url)
                ));
            }
        }
    }

    /// Every git source of the lock.
    fn git_sources(&mut self, lock: &Lock) {
        for p in &lock.packages {
            if let Source::Git(g) = &p.source {
                self.add(PrefetchItem::Git {
                    url: g.repository.clone(),
                    commit: g.commit.clone(),
                    subdirectory: g.subdirectory.clone(),
                    lfs: g.lfs,
                });
            }
        }
    }

    /// Every remote sdist and wheel of the lock.
    fn everything(&mut self, lock: &Lock) {
        for p in &lock.packages {
            let name = p.name.to_string();
            let version = p.version_string();
            if let Some(s) = &p.sdist {
                match (&s.locator, &p.source) {
                    (SdistLocator::Url(u), _) => self.sdist(&name, &version, u, s.hash.as_ref()),
                    (SdistLocator::Metadata, Source::Url { url, .. }) if !is_wheel_url(url) => {
                        self.sdist(&name, &version, url, s.hash.as_ref())
                    }
                    _ => {}
                }
            }
            for w in &p.wheels {
                match (&w.locator, &p.source) {
                    (WheelLocator::Url(u), _) => self.wheel(&name, &version, u, w.hash.as_ref()),
                    (WheelLocator::Filename(_), Source::Url { url, .. }) => {
                        self.wheel(&name, &version, url, w.hash.as_ref())
                    }
                    _ => {}
                }
            }
        }
    }
}

/// Collect the items of a run from the lock, the targets and the plan.
pub fn collect_items(project: &Project, args: &PrefetchArgs) -> Result<Collected> {
    let mut c = Collector {
        metadata_hosts: &args.metadata_hosts,
        items: BTreeMap::new(),
        skipped: BTreeSet::new(),
    };
    let mut unresolved = Vec::new();
    c.git_sources(&project.lock);
    // git sources the configuration puts in place of the lock's
    if let Some(cfg) = &project.config {
        for pc in cfg.packages.values() {
            if let Some(lock2nix_plan::PackageSource {
                source:
                    lock2nix_plan::SrcOverride::Git {
                        url,
                        rev,
                        subdirectory,
                    },
                ..
            }) = &pc.src
            {
                c.add(PrefetchItem::Git {
                    url: url.clone(),
                    commit: rev.clone(),
                    subdirectory: subdirectory.clone(),
                    lfs: false,
                });
            }
        }
    }
    if args.all {
        c.everything(&project.lock);
    } else {
        let index = project.read_index(&args.nixpkgs)?;
        // Without the sidecar's facts the plan asks for the most: every fresh sdist's build
        // system, every wheel's metadata.
        let inputs = project.plan_inputs(
            index.as_ref(),
            project.policy(&args.nixpkgs),
            lock2nix_plan::Facts::default(),
        );
        let systems = project.systems(&args.target)?;
        // Systems named by the user must resolve; of the default four, those the lock does not
        // support are skipped with a note.
        let explicit = !args.target.systems.is_empty()
            || project
                .config
                .as_ref()
                .is_some_and(|c| !c.target.systems.is_empty());
        let mut resolved = 0;
        for system in systems {
            let target = project.target(&args.target, Some(system))?;
            let res = match resolve(&project.lock, &target) {
                Ok(r) => r,
                Err(e) if !explicit => {
                    unresolved.push(format!("{target}: {e}"));
                    continue;
                }
                Err(e) => {
                    return Err(anyhow::Error::new(e).context(format!(
                        "cannot resolve {} for {target}",
                        project.lock_path.display()
                    )))
                }
            };
            resolved += 1;
            let the_plan = plan(&project.lock, &res, &inputs);
            for planned in &the_plan.packages {
                let rp = &res.packages[planned.index];
                let name = rp.name.to_string();
                let version = rp.version_string();
                // the registry wheel of the closure, whatever the plan does with it (its
                // metadata tells `compatible` what it requires)
                if let Artifact::Wheel {
                    location: Location::Url(url),
                    hash,
                    ..
                } = &rp.artifact
                {
                    c.wheel(&name, &version, url, hash.as_ref());
                }
                let sdist_src = match &planned.recipe {
                    Recipe::Swap { src, .. } => Some(src),
                    Recipe::Fresh(f) if matches!(f.format, Format::Pyproject { .. }) => {
                        Some(&f.src)
                    }
                    _ => None,
                };
                let Some(src) = sdist_src else { continue };
                match (src, &rp.artifact) {
                    (
                        Src::Url { url, .. },
                        Artifact::Sdist { hash, .. } | Artifact::Url { hash, .. },
                    ) => c.sdist(&name, &version, url, hash.as_ref()),
                    (Src::Url { url, .. }, _) => {
                        let hash = project.lock.packages[rp.id]
                            .sdist
                            .as_ref()
                            .and_then(|s| s.hash.as_ref());
                        c.sdist(&name, &version, url, hash)
                    }
                    (Src::File { path, .. }, _) => {
                        c.skipped.insert(format!(
                            "sdist {name} {version}: {path} is in a local registry; lock2nix prefetches remote files only"
                        ));
                    }
                    _ => {}
                }
            }
        }
        if resolved == 0 {
            bail!(
                "no target could be resolved:\n  {}\npass --system and --python for a target the lock supports",
                unresolved.join("\n  ")
            );
        }
    }
    Ok(Collected {
        items: c.items.into_values().collect(),
        skipped: c.skipped.into_iter().collect(),
        unresolved,
    })
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

/// Warnings for git sources fetched over an unauthenticated transport (`http://`, `git://`):
/// prefetch records the NAR hash of whatever arrives, and from then on that hash is what Nix
/// checks, so whoever can tamper with the connection once decides the pinned contents
/// (trust on first use). Warned, not refused: a mirror on a trusted network may be plain HTTP,
/// and a mirror can be given with `--git-rewrite` while the lock keeps its URL.
pub fn insecure_git_warnings(items: &[PrefetchItem], rewrites: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for item in items {
        let PrefetchItem::Git { url, .. } = item else {
            continue;
        };
        // one warning per repository and commit, whatever its package directories
        if !seen.insert(item.key()) {
            continue;
        }
        let fetched = lock2nix_fetch::rewrite_url(url, rewrites);
        let lower = fetched.to_ascii_lowercase();
        let Some(scheme) = ["http://", "git://"]
            .into_iter()
            .find(|s| lower.starts_with(s))
        else {
            continue;
        };
        out.push(format!(
            "{}: fetched over {} (unauthenticated): the hash recorded is of whatever arrives, and Nix will trust it from then on; use an https:// or ssh:// URL (or a --git-rewrite to one)",
            item.describe(),
            scheme.trim_end_matches("://")
        ));
    }
    out
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
    let collected = collect_items(&project, args)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            url_host("https://files.pythonhosted.org/packages/a.whl").as_deref(),
            Some("files.pythonhosted.org")
        );
        assert_eq!(
            url_host("http://u:p@127.0.0.1:8080/x.whl").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(url_host("http://[::1]:80/x").as_deref(), Some("::1"));
        assert_eq!(
            url_host("HTTPS://Example.ORG").as_deref(),
            Some("example.org")
        );
        assert_eq!(url_host("not a url"), None);
        assert_eq!(
            url_host("https://é.example/ü"),
            Some("é.example".to_string())
        );
    }

    #[test]
    fn wheel_urls() {
        assert!(is_wheel_url("https://x/a-1-py3-none-any.WHL#sha256=00"));
        assert!(!is_wheel_url("https://x/a-1.tar.gz?x=.whl"));
    }
}
