//! What `lock2nix prefetch` fetches: every git source of the lock (and of the configuration's
//! sources), and per target the sdists the plan builds or swaps (for their build system and
//! metadata) and the closure's registry wheels (for their requirements); with `all`, every remote
//! file of the lock. Deciding is here; fetching is `lock2nix-fetch`'s.

use std::collections::{BTreeMap, BTreeSet};

use lock2nix_fetch::{redact_url, MetadataHint, PrefetchItem};
use lock2nix_lock::{Hash, HashAlgorithm, Lock, SdistLocator, Source, WheelLocator};
use lock2nix_plan::{plan, Format, Recipe, Src};
use lock2nix_resolve::{resolve, Artifact, Location};

use crate::flags::{NixpkgsArgs, TargetArgs};
use crate::project::Project;
use crate::Error;

/// The host whose wheels have a PEP 658 `.metadata` file tried first, unless told otherwise.
pub const DEFAULT_METADATA_HOST: &str = "files.pythonhosted.org";

/// What to collect.
#[derive(Debug, Clone)]
pub struct Selection<'a> {
    pub target: &'a TargetArgs,
    pub nixpkgs: &'a NixpkgsArgs,
    /// Every sdist and wheel of the lock, not only what the targets' plans use.
    pub all: bool,
    /// Hosts whose wheels are asked for a PEP 658 `.metadata` file first.
    pub metadata_hosts: &'a [String],
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
pub fn collect_items(project: &Project, args: &Selection<'_>) -> Result<Collected, Error> {
    let mut c = Collector {
        metadata_hosts: args.metadata_hosts,
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
        let index = project.read_index(args.nixpkgs)?;
        // Without the sidecar's facts the plan asks for the most: every fresh sdist's build
        // system, every wheel's metadata.
        let inputs = project.plan_inputs(
            index.as_ref(),
            project.policy(args.nixpkgs),
            lock2nix_plan::Facts::default(),
        );
        let systems = project.systems(args.target)?;
        // Systems named by the user must resolve; of the default four, those the lock does not
        // support are skipped with a note.
        let explicit = project.systems_explicit(args.target);
        let mut resolved = 0;
        for system in systems {
            let target = project.target(args.target, Some(system))?;
            let res = match resolve(&project.lock, &target) {
                Ok(r) => r,
                Err(e) if !explicit => {
                    unresolved.push(format!("{target}: {e}"));
                    continue;
                }
                Err(e) => return Err(Error::resolve(project, &target, e)),
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
            return Err(Error::NothingResolves(unresolved));
        }
    }
    Ok(Collected {
        items: c.items.into_values().collect(),
        skipped: c.skipped.into_iter().collect(),
        unresolved,
    })
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
