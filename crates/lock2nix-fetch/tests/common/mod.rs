//! Test helpers: a scripted HTTP/1.1 server on 127.0.0.1 with per-path request counters and recorded
//! headers, archive builders, and the nix-hash / git tool checks.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One scripted answer.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub delay: Duration,
}

impl Reply {
    pub fn ok(body: impl Into<Vec<u8>>) -> Self {
        Reply {
            status: 200,
            body: body.into(),
            delay: Duration::ZERO,
        }
    }
    pub fn status(status: u16) -> Self {
        Reply {
            status,
            body: format!("status {status}\n").into_bytes(),
            delay: Duration::ZERO,
        }
    }
    pub fn delayed(mut self, d: Duration) -> Self {
        self.delay = d;
        self
    }
}

#[derive(Default)]
struct State {
    /// path → replies; the i-th request gets the i-th reply, the last one repeats.
    routes: BTreeMap<String, Vec<Reply>>,
    /// path → requests seen.
    counts: BTreeMap<String, usize>,
    /// (path, lower-case header name, value) of every request.
    headers: Vec<(String, String, String)>,
}

/// A scripted HTTP server on 127.0.0.1; unknown paths get 404.
pub struct Server {
    pub base: String,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    addr: std::net::SocketAddr,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (state.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if sp.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let st = st.clone();
                std::thread::spawn(move || handle(conn, &st));
            }
        });
        Server {
            base: format!("http://{addr}"),
            state,
            stop,
            addr,
        }
    }

    pub fn route(&self, path: &str, replies: Vec<Reply>) {
        self.state
            .lock()
            .unwrap()
            .routes
            .insert(path.to_string(), replies);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn count(&self, path: &str) -> usize {
        *self.state.lock().unwrap().counts.get(path).unwrap_or(&0)
    }

    pub fn total_requests(&self) -> usize {
        self.state.lock().unwrap().counts.values().sum()
    }

    /// Values of header `name` sent with requests for `path`.
    pub fn header_values(&self, path: &str, name: &str) -> Vec<String> {
        self.state
            .lock()
            .unwrap()
            .headers
            .iter()
            .filter(|(p, n, _)| p == path && n == name)
            .map(|(_, _, v)| v.clone())
            .collect()
    }

    pub fn all_header_values(&self, name: &str) -> Vec<(String, String)> {
        self.state
            .lock()
            .unwrap()
            .headers
            .iter()
            .filter(|(_, n, _)| n == name)
            .map(|(p, _, v)| (p.clone(), v.clone()))
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

fn handle(conn: TcpStream, state: &Mutex<State>) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(match conn.try_clone() {
        Ok(c) => c,
        Err(_) => return,
    });
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((n, v)) = line.split_once(':') {
            headers.push((
                path.clone(),
                n.trim().to_ascii_lowercase(),
                v.trim().to_string(),
            ));
        }
    }
    let reply = {
        let mut st = state.lock().unwrap();
        st.headers.extend(headers);
        let n = st.counts.entry(path.clone()).or_insert(0);
        let i = *n;
        *n += 1;
        match st.routes.get(&path) {
            Some(replies) if !replies.is_empty() => replies[i.min(replies.len() - 1)].clone(),
            _ => Reply::status(404),
        }
    };
    std::thread::sleep(reply.delay);
    let reason = match reply.status {
        200 => "OK",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Whatever",
    };
    let mut out = conn;
    let _ = write!(
        out,
        "HTTP/1.1 {} {reason}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
        reply.status,
        reply.body.len()
    );
    let _ = out.write_all(&reply.body);
    let _ = out.flush();
    let _ = reader.read(&mut [0u8; 1]);
}

/// sha256 hex of bytes.
pub fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(b))
}

/// A file in a test archive.
pub enum Member<'a> {
    File(&'a str, &'a [u8]),
    Exec(&'a str, &'a [u8]),
    Dir(&'a str),
    Symlink(&'a str, &'a str),
}

/// A tar.gz; with `pax_global_comment` a GitHub-style `pax_global_header` comes first.
pub fn tar_gz(members: &[Member], pax_global_comment: Option<&str>) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut b = tar::Builder::new(gz);
    if let Some(comment) = pax_global_comment {
        let record = format!("comment={comment}\n");
        let len = record.len() + 3; // "NN " prefix, two digits for these sizes
        let data = format!("{len} {record}");
        assert_eq!(data.len(), len);
        let mut h = tar::Header::new_ustar();
        h.set_path("pax_global_header").unwrap();
        h.set_entry_type(tar::EntryType::XGlobalHeader);
        h.set_size(data.len() as u64);
        h.set_mode(0o666);
        h.set_cksum();
        b.append(&h, data.as_bytes()).unwrap();
    }
    for m in members {
        let mut h = tar::Header::new_gnu();
        h.set_mtime(1_700_000_000);
        match m {
            Member::File(p, data) | Member::Exec(p, data) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(if matches!(m, Member::Exec(..)) {
                    0o775
                } else {
                    0o664
                });
                h.set_size(data.len() as u64);
                b.append_data(&mut h, p, *data).unwrap();
            }
            Member::Dir(p) => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o775);
                h.set_size(0);
                b.append_data(&mut h, p, std::io::empty()).unwrap();
            }
            Member::Symlink(p, target) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_mode(0o777);
                h.set_size(0);
                b.append_link(&mut h, p, target).unwrap();
            }
        }
    }
    b.into_inner().unwrap().finish().unwrap()
}

/// A zip with regular files only.
pub fn zip_file(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o644);
    for (name, data) in files {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Whether tests needing `nix-hash` should run: true when it is there; false (with a message) when
/// LOCK2NIX_SKIP_NIX_TESTS=1; a panic otherwise.
pub fn nix_available(test: &str) -> bool {
    let ok = std::process::Command::new("nix-hash")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if ok {
        return true;
    }
    if std::env::var("LOCK2NIX_SKIP_NIX_TESTS").as_deref() == Ok("1") {
        eprintln!("{test}: skipped: nix-hash is not installed and LOCK2NIX_SKIP_NIX_TESTS=1");
        return false;
    }
    panic!("{test}: nix-hash is required (install nix-bin, or set LOCK2NIX_SKIP_NIX_TESTS=1)");
}

/// `nix-hash --type sha256 [--base32] <path>`, trimmed.
pub fn nix_hash(path: &Path, base32: bool) -> String {
    let mut cmd = std::process::Command::new("nix-hash");
    cmd.args(["--type", "sha256"]);
    if base32 {
        cmd.arg("--base32");
    }
    let out = cmd.arg(path).output().expect("run nix-hash");
    assert!(out.status.success(), "nix-hash failed: {:?}", out);
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// SRI hash computed from `nix-hash`'s hex output (independently of lock2nix-nar), cross-checked
/// against `nix-hash --base32` via lock2nix-nar's conversion.
pub fn nix_sri(path: &Path) -> String {
    use base64::Engine;
    let hex = nix_hash(path, false);
    let sri = format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(hex::decode(&hex).unwrap())
    );
    let b32 = nix_hash(path, true);
    assert_eq!(lock2nix_nar::nix_base32_to_sri(&b32).unwrap(), sri);
    sri
}

/// Runs git with a fixed identity and no user config; panics on failure.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?} failed: {out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Captured progress lines.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}
