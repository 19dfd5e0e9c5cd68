//! [`Prefetcher`]: fetches what the sidecar lacks, in parallel, and records every success.

use std::collections::{BTreeMap, BTreeSet};

use sha2::Digest;
use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use crate::cargo::CargoLockStore;
use crate::error::FetchError;
use crate::git::{checkout, parse_github_url, rewrite_url};
use crate::http::{redact_url, Http, HttpSettings};
use crate::item::{is_hex, MetadataHint, PrefetchItem};
use crate::metadata::{parse_core_metadata, read_wheel_metadata, HeaderSink};
use crate::progress::{NoProgress, ProgressSink};
use crate::sdist::{build_system_from_pyproject, format_of_url};
use crate::sidecar::{
    subdirectory_key, BuildSystem, CargoLockEntry, GitEntry, GitFetcher, MetadataSource,
    SdistEntry, Sidecar, WheelEntry,
};
use lock2nix_lock::strip_url_credentials;

/// The environment variable read for a GitHub token unless configured otherwise.
pub const DEFAULT_TOKEN_ENV: &str = "LOCK2NIX_GITHUB_TOKEN";

/// Settings of a prefetch run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Items fetched at once (`--jobs`, default 8; 0 is treated as 1).
    pub jobs: usize,
    /// Never touch the network; report what is missing instead.
    pub offline: bool,
    /// Connection timeout per request (default 30 s).
    pub connect_timeout: Duration,
    /// The longest a request waits for the response, or for more of the body, before the
    /// attempt fails (default 60 s; `--timeout`). Without it a stalled server held each attempt
    /// for the whole [`Options::timeout`].
    pub idle_timeout: Duration,
    /// Total timeout per request, body included (default 15 min; `--max-time`).
    pub timeout: Duration,
    /// Attempts per request, the first included (default 4). 5xx, connection errors and timeouts are
    /// retried; 4xx never.
    pub max_tries: u32,
    /// Delay before the first retry; doubled for each further one (default 500 ms).
    pub backoff: Duration,
    /// Largest download accepted, in bytes (default 2 GiB).
    pub max_download_bytes: u64,
    /// Base URL GitHub archives are downloaded from (default `https://github.com`; a GitHub Enterprise
    /// server or a mirror otherwise): `<base>/<owner>/<repo>/archive/<commit>.tar.gz`.
    pub github_archive_base: String,
    /// Hosts whose `https://<host>/<owner>/<repo>` URLs are fetched as GitHub archives
    /// (default `["github.com"]`).
    pub github_hosts: Vec<String>,
    /// Fetch GitHub repositories with the `git` CLI too (recorded as `fetcher = "git"`).
    pub git_cli_for_github: bool,
    /// URL prefix rewrites `(from, to)` applied to git URLs before the `git` CLI fetches them (longest
    /// prefix wins). Sidecar keys keep the original URL.
    pub git_rewrites: Vec<(String, String)>,
    /// Name of the environment variable holding a token sent as `Authorization: Bearer` to
    /// `github_archive_base` (default [`DEFAULT_TOKEN_ENV`]; `None` disables). The token is never
    /// logged, shown in errors, or recorded.
    pub token_env: Option<String>,
    /// Where the `Cargo.lock` of Rust sdists is stored (see [`CargoLockStore`]); `None`: not
    /// extracted (the sidecar then records none, and the plan reports the lock as missing).
    pub cargo_locks: Option<CargoLockStore>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            jobs: 8,
            offline: false,
            connect_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            timeout: Duration::from_secs(15 * 60),
            max_tries: 4,
            backoff: Duration::from_millis(500),
            max_download_bytes: 2 * 1024 * 1024 * 1024,
            github_archive_base: "https://github.com".to_string(),
            github_hosts: vec!["github.com".to_string()],
            git_cli_for_github: false,
            git_rewrites: Vec::new(),
            token_env: Some(DEFAULT_TOKEN_ENV.to_string()),
            cargo_locks: None,
        }
    }
}

/// One item that could not be prefetched.
#[derive(Debug)]
pub struct Failure {
    /// The item's sidecar key.
    pub key: String,
    /// The item's description (`sdist foo 1.0`).
    pub description: String,
    /// Why.
    pub error: FetchError,
}

/// What a run did. All lists are sorted by key.
#[derive(Debug, Default)]
pub struct Report {
    /// Distinct items given.
    pub total: usize,
    /// Items the sidecar already had (not fetched).
    pub already_present: usize,
    /// Keys fetched and recorded by this run.
    pub fetched: Vec<String>,
    /// Keys missing from the sidecar and not fetched (offline mode).
    pub missing: Vec<String>,
    /// Items that failed; nothing was recorded for them.
    pub failed: Vec<Failure>,
}

impl Report {
    /// Whether the sidecar now has every item.
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty() && self.failed.is_empty()
    }

    /// A one-line summary.
    pub fn summary(&self) -> String {
        format!(
            "{} item(s): {} already known, {} fetched, {} failed, {} missing",
            self.total,
            self.already_present,
            self.fetched.len(),
            self.failed.len(),
            self.missing.len()
        )
    }
}

enum Entry {
    Git(GitEntry),
    Sdist(SdistEntry),
    Wheel(WheelEntry),
}

/// Runs prefetches. Construct with [`Prefetcher::new`], optionally set a progress sink, then
/// [`Prefetcher::run`].
pub struct Prefetcher {
    options: Options,
    progress: Arc<dyn ProgressSink>,
}

impl Prefetcher {
    /// A prefetcher with the given options and no progress output.
    pub fn new(options: Options) -> Self {
        Prefetcher {
            options,
            progress: Arc::new(NoProgress),
        }
    }

    /// Sends progress to `sink` (see [`crate::default_progress`]).
    pub fn with_progress(mut self, sink: Arc<dyn ProgressSink>) -> Self {
        self.progress = sink;
        self
    }

    /// The options in use.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Fetches every item the sidecar lacks and records each success in `sidecar`; a failure of one
    /// item does not affect the others. With a complete sidecar no request is made; offline, none ever
    /// is and the missing keys are reported.
    pub fn run(&self, items: &[PrefetchItem], sidecar: &mut Sidecar) -> Report {
        // one fetch per key: the git items of one repository and commit differ only in their
        // package directory, whose build systems one checkout gives
        let mut groups: Vec<Vec<&PrefetchItem>> = Vec::new();
        let mut at: BTreeMap<(crate::ItemKind, String), usize> = BTreeMap::new();
        for i in items {
            match at.get(&(i.kind(), i.key())) {
                Some(&g) => groups[g].push(i),
                None => {
                    at.insert((i.kind(), i.key()), groups.len());
                    groups.push(vec![i]);
                }
            }
        }
        let mut report = Report {
            total: groups.len(),
            ..Report::default()
        };
        // a stored Cargo.lock that is gone (or changed) is extracted again
        let intact = |i: &PrefetchItem| {
            let Some(store) = &self.options.cargo_locks else {
                return true;
            };
            let ok = |c: &CargoLockEntry| {
                crate::cargo::read_stored_cargo_lock(&store.base, &c.path, &c.sha256).is_ok()
            };
            match i {
                PrefetchItem::Sdist { .. } => sidecar
                    .sdist
                    .get(&i.key())
                    .and_then(|e| e.cargo_lock.as_ref())
                    .is_none_or(ok),
                PrefetchItem::Git { .. } => sidecar
                    .git
                    .get(&i.key())
                    .is_none_or(|g| g.cargo_locks.values().all(ok)),
                PrefetchItem::Wheel { .. } => true,
            }
        };
        let todo: Vec<Vec<&PrefetchItem>> = groups
            .into_iter()
            .filter(|g| !g.iter().all(|i| sidecar.has_item(i) && intact(i)))
            .collect();
        report.already_present = report.total - todo.len();
        if self.options.offline {
            report.missing = todo.iter().map(|g| g[0].key()).collect();
            report.missing.sort();
            self.progress.begin(report.total, 0);
            self.progress.end(&report.summary());
            return report;
        }
        self.progress.begin(report.total, todo.len());
        if !todo.is_empty() {
            // the Cargo.lock files the sidecar records: lock2nix wrote them, it may replace them
            let ours: BTreeSet<String> = sidecar
                .cargo_lock_entries()
                .map(|c| c.sha256.clone())
                .collect();
            let results = self.fetch_all(&todo, &ours);
            for (group, result) in todo.iter().zip(results) {
                let key = group[0].key();
                match result {
                    Ok(Entry::Git(mut e)) => {
                        // directories asked for by an earlier run stay known
                        if let Some(old) = sidecar.git.get(&key).filter(|o| o.hash == e.hash) {
                            for (dir, b) in &old.build_systems {
                                e.build_systems
                                    .entry(dir.clone())
                                    .or_insert_with(|| b.clone());
                            }
                        }
                        sidecar.git.insert(key.clone(), e);
                        report.fetched.push(key);
                    }
                    Ok(Entry::Sdist(e)) => {
                        sidecar.sdist.insert(key.clone(), e);
                        report.fetched.push(key);
                    }
                    Ok(Entry::Wheel(e)) => {
                        sidecar.wheel.insert(key.clone(), e);
                        report.fetched.push(key);
                    }
                    Err(error) => report.failed.push(Failure {
                        key,
                        description: group[0].describe(),
                        error,
                    }),
                }
            }
        }
        report.fetched.sort();
        report.failed.sort_by(|a, b| a.key.cmp(&b.key));
        self.progress.end(&report.summary());
        report
    }

    fn fetch_all(
        &self,
        todo: &[Vec<&PrefetchItem>],
        ours: &BTreeSet<String>,
    ) -> Vec<Result<Entry, FetchError>> {
        let token = self
            .options
            .token_env
            .as_deref()
            .and_then(|name| std::env::var(name).ok())
            .filter(|t| !t.is_empty());
        let base = format!(
            "{}/",
            self.options.github_archive_base.trim_end_matches('/')
        );
        // a token sent over plain HTTP is a token given away (loopback is for mirrors and tests)
        let auth = match token {
            Some(_) if crate::http::is_remote_plain_http(&base) => {
                self.progress.note(&format!(
                    "not sending the token in {} to {}: it is plain HTTP",
                    self.options.token_env.as_deref().unwrap_or_default(),
                    redact_url(&base)
                ));
                None
            }
            Some(t) => Some((base, t)),
            None => None,
        };
        let http = Http::new(
            HttpSettings {
                connect_timeout: self.options.connect_timeout,
                idle_timeout: self.options.idle_timeout,
                timeout: self.options.timeout,
                max_tries: self.options.max_tries,
                backoff: self.options.backoff,
                max_bytes: self.options.max_download_bytes,
            },
            auth,
        );
        let http = match http {
            Ok(h) => h,
            Err(e) => {
                let message = e.to_string();
                return todo
                    .iter()
                    .map(|_| {
                        Err(FetchError::Client {
                            message: message.clone(),
                        })
                    })
                    .collect();
            }
        };
        let next = AtomicUsize::new(0);
        let workers = self.options.jobs.clamp(1, todo.len().max(1));
        let (tx, rx) = mpsc::channel();
        std::thread::scope(|scope| {
            for _ in 0..workers {
                let tx = tx.clone();
                let (next, http) = (&next, &http);
                scope.spawn(move || loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(group) = todo.get(i) else { break };
                    let item = group[0];
                    let result = self.fetch_one(http, group, ours);
                    self.progress
                        .item_done(&item.describe(), result.as_ref().map(|_| ()));
                    if tx.send((i, result)).is_err() {
                        break;
                    }
                });
            }
        });
        drop(tx);
        let mut results: Vec<Option<Result<Entry, FetchError>>> =
            (0..todo.len()).map(|_| None).collect();
        for (i, r) in rx {
            if let Some(slot) = results.get_mut(i) {
                *slot = Some(r);
            }
        }
        results
            .into_iter()
            .zip(todo)
            .map(|(r, group)| {
                r.unwrap_or_else(|| {
                    Err(FetchError::InvalidItem {
                        subject: group[0].describe(),
                        message: "worker thread ended without a result".to_string(),
                    })
                })
            })
            .collect()
    }

    fn fetch_one(
        &self,
        http: &Http,
        group: &[&PrefetchItem],
        ours: &BTreeSet<String>,
    ) -> Result<Entry, FetchError> {
        let item = group[0];
        let subject = item.describe();
        let note = |m: &str| self.progress.note(m);
        match item {
            PrefetchItem::Git {
                url, commit, lfs, ..
            } => {
                let mut subdirectories: Vec<Option<&str>> = group
                    .iter()
                    .filter_map(|i| match i {
                        PrefetchItem::Git { subdirectory, .. } => Some(subdirectory.as_deref()),
                        _ => None,
                    })
                    .collect();
                subdirectories.sort();
                subdirectories.dedup();
                self.fetch_git(
                    http,
                    &subject,
                    url,
                    commit,
                    &subdirectories,
                    ours,
                    group
                        .iter()
                        .any(|i| matches!(i, PrefetchItem::Git { lfs: true, .. }))
                        || *lfs,
                    &note,
                )
                .map(Entry::Git)
            }
            PrefetchItem::Sdist {
                package,
                version,
                url,
                sha256,
            } => {
                let cargo = self.options.cargo_locks.as_ref().map(|store| SdistCargo {
                    store,
                    file_name: crate::cargo::cargo_lock_file_name(package, version),
                    ours,
                });
                fetch_sdist(http, &subject, url, sha256, cargo, &note).map(Entry::Sdist)
            }
            PrefetchItem::Wheel {
                package,
                url,
                sha256,
                core_metadata,
                ..
            } => fetch_wheel(
                http,
                &subject,
                package,
                url,
                sha256,
                core_metadata.as_ref(),
                &note,
            )
            .map(Entry::Wheel),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn fetch_git(
        &self,
        http: &Http,
        subject: &str,
        url: &str,
        commit: &str,
        subdirectories: &[Option<&str>],
        ours: &BTreeSet<String>,
        lfs: bool,
        note: &dyn Fn(&str),
    ) -> Result<GitEntry, FetchError> {
        let invalid = |message: String| FetchError::InvalidItem {
            subject: subject.to_string(),
            message,
        };
        if !is_hex(commit, 40) {
            return Err(invalid(format!(
                "commit {commit:?} is not a 40-digit hex id"
            )));
        }
        let commit = commit.to_ascii_lowercase();
        let mut subdirs: Vec<Vec<&str>> = Vec::new();
        for s in subdirectories {
            let parts: Vec<&str> = s
                .unwrap_or("")
                .split('/')
                .filter(|p| !p.is_empty() && *p != ".")
                .collect();
            if parts.contains(&"..") {
                return Err(invalid(format!(
                    "subdirectory {:?} leaves the repository",
                    s.unwrap_or("")
                )));
            }
            subdirs.push(parts);
        }
        if subdirs.is_empty() {
            subdirs.push(Vec::new());
        }
        if lfs {
            return Err(FetchError::Unsupported {
                subject: subject.to_string(),
                message: "git LFS sources are not supported (fetchgit's fetchLFS is not emitted); \
                          vendor the files or use a registry release"
                    .to_string(),
            });
        }
        let github = if self.options.git_cli_for_github {
            None
        } else {
            parse_github_url(url, &self.options.github_hosts)
        };
        let tmp_err = |source| FetchError::Io {
            subject: subject.to_string(),
            context: "cannot create a temporary file".to_string(),
            source,
        };
        let bs_err = |message: String| FetchError::Archive {
            subject: subject.to_string(),
            url: redact_url(url),
            message,
        };
        let mut build_systems = BTreeMap::new();
        let mut cargo_locks = BTreeMap::new();
        let cargo_for = |subdir: &[&str]| {
            self.options.cargo_locks.as_ref().map(|store| SdistCargo {
                store,
                file_name: git_cargo_lock_file_name(url, &commit, subdir),
                ours,
            })
        };
        if let Some((owner, repo)) = github {
            let archive_url = format!(
                "{}/{owner}/{repo}/archive/{commit}.tar.gz",
                self.options.github_archive_base.trim_end_matches('/')
            );
            let mut file = http
                .get(subject, &archive_url, note, tempfile::tempfile)?
                .sink;
            file.seek(SeekFrom::Start(0)).map_err(tmp_err)?;
            let hash = crate::nar_glue::hash_tar_gz(&file).map_err(|message| FetchError::Nar {
                subject: subject.to_string(),
                message,
            })?;
            for subdir in &subdirs {
                let archive_err = |message| FetchError::Archive {
                    subject: subject.to_string(),
                    url: redact_url(&archive_url),
                    message,
                };
                if !subdir.is_empty() {
                    file.seek(SeekFrom::Start(0)).map_err(tmp_err)?;
                    let found =
                        crate::nar_glue::tar_gz_has_dir(&file, subdir).map_err(archive_err)?;
                    if !found {
                        return Err(subdir_missing(subject, url, &commit, subdir));
                    }
                }
                file.seek(SeekFrom::Start(0)).map_err(tmp_err)?;
                let scan = crate::sdist::scan_archive(
                    std::io::BufReader::new(&file),
                    crate::SdistFormat::TarGz,
                    subdir,
                )
                .map_err(archive_err)?;
                let b = build_system_from_pyproject(scan.pyproject.as_deref()).map_err(bs_err)?;
                let key = subdirectory_key(Some(&subdir.join("/")));
                if let (Some(cargo), Some(top)) = (cargo_for(subdir), &scan.top) {
                    let mut read = |rel: &[&str]| -> Result<Option<Vec<u8>>, String> {
                        let full: Vec<&str> = subdir.iter().chain(rel).copied().collect();
                        (&file)
                            .seek(SeekFrom::Start(0))
                            .map_err(|e| e.to_string())?;
                        crate::sdist::extract_member(
                            std::io::BufReader::new(&file),
                            crate::SdistFormat::TarGz,
                            top,
                            &full,
                            crate::cargo::MAX_CARGO_LOCK_BYTES,
                        )
                    };
                    if let Some(c) = cargo_lock_of(&scan, &b, &cargo, subject, note, &mut read)
                        .map_err(archive_err)?
                    {
                        cargo_locks.insert(key.clone(), c);
                    }
                }
                build_systems.insert(key, b);
            }
            return Ok(GitEntry {
                hash,
                fetcher: GitFetcher::GitHub,
                build_systems,
                cargo_locks,
            });
        }
        let fetch_url = rewrite_url(url, &self.options.git_rewrites);
        let dir = tempfile::tempdir().map_err(tmp_err)?;
        let tree = dir.path().join("source");
        std::fs::create_dir(&tree).map_err(tmp_err)?;
        let timeouts = crate::git::GitTimeouts {
            idle: self.options.idle_timeout,
            total: self.options.timeout,
        };
        checkout(subject, &fetch_url, &commit, &tree, note, timeouts)?;
        for subdir in &subdirs {
            if !subdir.is_empty() && !crate::sdist::real_dir(&tree, subdir) {
                return Err(subdir_missing(subject, url, &commit, subdir));
            }
            let scan = crate::sdist::scan_tree(&tree, subdir).map_err(bs_err)?;
            let b = build_system_from_pyproject(scan.pyproject.as_deref()).map_err(bs_err)?;
            let key = subdirectory_key(Some(&subdir.join("/")));
            if let Some(cargo) = cargo_for(subdir) {
                let mut read = |rel: &[&str]| -> Result<Option<Vec<u8>>, String> {
                    let full: Vec<&str> = subdir.iter().chain(rel).copied().collect();
                    let (dir, name) = full.split_at(full.len() - 1);
                    crate::sdist::read_tree_file(
                        &tree,
                        dir,
                        name[0],
                        crate::cargo::MAX_CARGO_LOCK_BYTES,
                    )
                };
                if let Some(c) =
                    cargo_lock_of(&scan, &b, &cargo, subject, note, &mut read).map_err(bs_err)?
                {
                    cargo_locks.insert(key.clone(), c);
                }
            }
            build_systems.insert(key, b);
        }
        let hash = crate::nar_glue::hash_dir(&tree).map_err(|message| FetchError::Nar {
            subject: subject.to_string(),
            message,
        })?;
        Ok(GitEntry {
            hash,
            fetcher: GitFetcher::Git,
            build_systems,
            cargo_locks,
        })
    }
}

fn subdir_missing(subject: &str, url: &str, commit: &str, subdir: &[&str]) -> FetchError {
    FetchError::InvalidItem {
        subject: subject.to_string(),
        message: format!(
            "subdirectory {:?} does not exist in {} at {commit}",
            subdir.join("/"),
            redact_url(url)
        ),
    }
}

fn check_sha256(subject: &str, sha256: &str) -> Result<String, FetchError> {
    if is_hex(sha256, 64) {
        Ok(sha256.to_ascii_lowercase())
    } else {
        Err(FetchError::InvalidItem {
            subject: subject.to_string(),
            message: format!("sha256 {sha256:?} is not 64 hex digits"),
        })
    }
}

/// Downloads `url` to an anonymous temporary file, checks its sha256, and rewinds it.
fn download_checked(
    http: &Http,
    subject: &str,
    url: &str,
    expected: &str,
    note: &dyn Fn(&str),
) -> Result<File, FetchError> {
    let fetched = http.get(subject, url, note, tempfile::tempfile)?;
    if fetched.sha256_hex != expected {
        return Err(FetchError::HashMismatch {
            subject: subject.to_string(),
            url: redact_url(url),
            expected: expected.to_string(),
            actual: fetched.sha256_hex,
        });
    }
    let mut file = fetched.sink;
    file.seek(SeekFrom::Start(0))
        .map_err(|source| FetchError::Io {
            subject: subject.to_string(),
            context: "cannot rewind the downloaded file".to_string(),
            source,
        })?;
    Ok(file)
}

/// Where a Rust sdist's Cargo.lock goes.
struct SdistCargo<'a> {
    store: &'a CargoLockStore,
    file_name: String,
    /// sha256s of the Cargo.lock files the sidecar records (lock2nix's own).
    ours: &'a BTreeSet<String>,
}

fn fetch_sdist(
    http: &Http,
    subject: &str,
    url: &str,
    sha256: &str,
    cargo: Option<SdistCargo<'_>>,
    note: &dyn Fn(&str),
) -> Result<SdistEntry, FetchError> {
    let expected = check_sha256(subject, sha256)?;
    let Some(format) = format_of_url(url) else {
        return Err(FetchError::Unsupported {
            subject: subject.to_string(),
            message: format!(
                "the sdist {} is not a .tar.gz, .tgz or .zip archive",
                redact_url(url)
            ),
        });
    };
    let mut file = download_checked(http, subject, url, &expected, note)?;
    let archive_err = |message: String| FetchError::Archive {
        subject: subject.to_string(),
        url: redact_url(url),
        message,
    };
    let scan = crate::sdist::scan_archive(std::io::BufReader::new(&file), format, &[])
        .map_err(archive_err)?;
    let build_system =
        build_system_from_pyproject(scan.pyproject.as_deref()).map_err(archive_err)?;
    let (metadata_source, requires_dist) =
        crate::metadata::sdist_requires_dist(scan.pkg_info.as_deref());
    let cargo_lock = match (cargo, &scan.top) {
        (Some(cargo), Some(top)) => {
            let mut read = |rel: &[&str]| -> Result<Option<Vec<u8>>, String> {
                file.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
                crate::sdist::extract_member(
                    std::io::BufReader::new(&file),
                    format,
                    top,
                    rel,
                    crate::cargo::MAX_CARGO_LOCK_BYTES,
                )
            };
            cargo_lock_of(&scan, &build_system, &cargo, subject, note, &mut read)
                .map_err(archive_err)?
        }
        _ => None,
    };
    Ok(SdistEntry {
        url: strip_url_credentials(url).into_owned(),
        build_system,
        metadata_source: Some(metadata_source),
        requires_dist,
        cargo_lock,
    })
}

/// Finds, checks and stores the Cargo.lock of a Rust package (an sdist, or a directory of a
/// git checkout); `None` when the package is not Rust or has none (the plan then reports it
/// missing; the note says why). `read` gives a regular file by its path relative to the
/// package's directory.
#[allow(clippy::too_many_arguments)]
fn cargo_lock_of(
    scan: &crate::ArchiveScan,
    build_system: &BuildSystem,
    cargo: &SdistCargo<'_>,
    subject: &str,
    note: &dyn Fn(&str),
    read: &mut dyn FnMut(&[&str]) -> Result<Option<Vec<u8>>, String>,
) -> Result<Option<CargoLockEntry>, String> {
    let reader = lock2nix_lock::RequirementReader::new(&lock2nix_lock::Limits::default());
    let rust_backend = build_system
        .requires
        .iter()
        .filter_map(|r| reader.parse(r).ok())
        .any(|r| matches!(r.name.as_ref(), "maturin" | "setuptools-rust"));
    let dir = match crate::sdist::locate_cargo_lock(scan, rust_backend) {
        crate::CargoLocation::NotRust => return Ok(None),
        crate::CargoLocation::Missing(why) => {
            note(&format!("{subject}: no Cargo.lock extracted: {why}"));
            return Ok(None);
        }
        crate::CargoLocation::Found(dir) => dir,
    };
    let mut rel: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    rel.push("Cargo.lock");
    let bytes = read(&rel)?.ok_or_else(|| format!("{} vanished", rel.join("/")))?;
    let facts = crate::cargo::analyze(&bytes)?;
    let root = if dir.is_empty() {
        None
    } else {
        crate::cargo::check_cargo_root(&dir)?;
        Some(dir)
    };
    let path = cargo
        .store
        .store(&cargo.file_name, &bytes, &|sha| cargo.ours.contains(sha))?;
    Ok(Some(CargoLockEntry {
        path,
        sha256: hex::encode(sha2::Sha256::digest(&bytes)),
        root,
        unsupported: facts.unsupported,
    }))
}

/// The file name of a git package directory's Cargo.lock: the repository's name, the commit's
/// first 12 digits and the directory.
fn git_cargo_lock_file_name(url: &str, commit: &str, subdir: &[&str]) -> String {
    let repo = url
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("git")
        .trim_end_matches(".git");
    let name = if subdir.is_empty() {
        repo.to_string()
    } else {
        format!("{repo}-{}", subdir.join("_"))
    };
    crate::cargo::cargo_lock_file_name(&name, &commit[..12.min(commit.len())])
}

fn fetch_wheel(
    http: &Http,
    subject: &str,
    package: &str,
    url: &str,
    sha256: &str,
    hint: Option<&MetadataHint>,
    note: &dyn Fn(&str),
) -> Result<WheelEntry, FetchError> {
    let expected = check_sha256(subject, sha256)?;
    if let Some(hint) = hint {
        let base = url.split('#').next().unwrap_or(url);
        let meta_url = format!("{base}.metadata");
        // streamed: only the header section is kept, the body is hashed and dropped
        match http.get_limited(
            subject,
            &meta_url,
            crate::metadata::MAX_METADATA_BYTES,
            note,
            || Ok(HeaderSink::default()),
        ) {
            Ok(fetched) => {
                if let Some(want) = &hint.sha256 {
                    let want = check_sha256(subject, want)?;
                    if fetched.sha256_hex != want {
                        return Err(FetchError::HashMismatch {
                            subject: subject.to_string(),
                            url: redact_url(&meta_url),
                            expected: want,
                            actual: fetched.sha256_hex,
                        });
                    }
                }
                let metadata_err = |message| FetchError::Metadata {
                    subject: subject.to_string(),
                    url: redact_url(&meta_url),
                    message,
                };
                let headers = fetched.sink.into_headers().map_err(metadata_err)?;
                let meta = parse_core_metadata(&headers).map_err(metadata_err)?;
                check_requires_dist(&meta.requires_dist).map_err(metadata_err)?;
                return Ok(WheelEntry {
                    url: strip_url_credentials(url).into_owned(),
                    requires_dist: meta.requires_dist,
                    requires_python: meta.requires_python,
                    metadata_source: MetadataSource::CoreMetadataFile,
                });
            }
            Err(FetchError::Status { status: 404, .. }) => note(&format!(
                "{subject}: {} not found; reading METADATA from the wheel instead",
                redact_url(&meta_url)
            )),
            Err(e) => return Err(e),
        }
    }
    let file = download_checked(http, subject, url, &expected, note)?;
    let bytes = read_wheel_metadata(std::io::BufReader::new(file), package).map_err(|message| {
        FetchError::Metadata {
            subject: subject.to_string(),
            url: redact_url(url),
            message,
        }
    })?;
    let meta = parse_core_metadata(&bytes)
        .and_then(|m| check_requires_dist(&m.requires_dist).map(|()| m))
        .map_err(|message| FetchError::Metadata {
            subject: subject.to_string(),
            url: redact_url(url),
            message,
        })?;
    Ok(WheelEntry {
        url: strip_url_credentials(url).into_owned(),
        requires_dist: meta.requires_dist,
        requires_python: meta.requires_python,
        metadata_source: MetadataSource::Wheel,
    })
}

/// Every `Requires-Dist` must be a PEP 508 requirement within the marker limits: the sidecar
/// reader refuses anything else.
fn check_requires_dist(list: &[String]) -> Result<(), String> {
    let reader = lock2nix_lock::RequirementReader::new(&lock2nix_lock::Limits::default());
    for r in list {
        reader.parse(r).map_err(|e| {
            format!(
                "Requires-Dist {:?} is not a PEP 508 requirement: {e}",
                crate::sdist::clip(r)
            )
        })?;
    }
    Ok(())
}
