//! A tiny scripted HTTP/1.1 server on loopback for fetch tests.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// One scripted response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Extra headers (besides `Content-Length` and `Connection: close`).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Announce this `Content-Length` instead of the body's length (to simulate a truncated
    /// transfer: the connection closes after `body`).
    pub claimed_len: Option<usize>,
}

impl Response {
    /// `200 OK` with `body`.
    pub fn ok(body: impl Into<Vec<u8>>) -> Self {
        Self::status(200).with_body(body)
    }

    /// A response with `status` and an empty body.
    pub fn status(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            claimed_len: None,
        }
    }

    /// `404 Not Found`.
    pub fn not_found() -> Self {
        Self::status(404).with_body("not found")
    }

    /// A `200 OK` that announces `claimed_len` bytes but sends only `body` and closes.
    pub fn truncated(body: impl Into<Vec<u8>>, claimed_len: usize) -> Self {
        let mut r = Self::ok(body);
        r.claimed_len = Some(claimed_len);
        r
    }

    /// Replaces the body.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

#[derive(Debug, Default)]
struct State {
    /// Per path: the remaining script (the last response repeats once the others are used).
    routes: BTreeMap<String, Vec<Response>>,
    hits: BTreeMap<String, usize>,
}

impl State {
    fn next_response(&mut self, path: &str) -> Response {
        *self.hits.entry(path.to_string()).or_insert(0) += 1;
        match self.routes.get_mut(path) {
            Some(script) if script.len() > 1 => script.remove(0),
            Some(script) => script.first().cloned().unwrap_or_else(Response::not_found),
            None => Response::not_found(),
        }
    }
}

/// A scripted HTTP/1.1 server on `127.0.0.1:<free port>`, one connection at a time, every
/// response with `Content-Length` and `Connection: close`. Stops when dropped.
#[derive(Debug)]
pub struct TestServer {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server. `routes` maps a request path (e.g. `/files/a.whl`, matched without the
    /// query string) to a script of responses served in order; the last one repeats. Unknown
    /// paths get 404.
    pub fn start<P, I>(routes: I) -> std::io::Result<TestServer>
    where
        P: Into<String>,
        I: IntoIterator<Item = (P, Vec<Response>)>,
    {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State {
            routes: routes.into_iter().map(|(p, r)| (p.into(), r)).collect(),
            hits: BTreeMap::new(),
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let state = Arc::clone(&state);
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name(format!("lock2nix-testserver-{}", addr.port()))
                .spawn(move || serve(listener, state, stop))?
        };
        Ok(TestServer {
            addr,
            state,
            stop,
            thread: Some(thread),
        })
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port><path>` (`path` should start with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// How many requests arrived for `path` so far.
    pub fn hits(&self, path: &str) -> usize {
        let st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        st.hits.get(path).copied().unwrap_or(0)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(listener: TcpListener, state: Arc<Mutex<State>>, stop: Arc<AtomicBool>) {
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        if let Ok(stream) = conn {
            let _ = handle(stream, &state);
        }
    }
}

/// Reads the request head (bounded), answers from the script, closes.
fn handle(mut stream: TcpStream, state: &Mutex<State>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
        if head.len() > 64 * 1024 {
            return write_response(&mut stream, "GET", &Response::status(431));
        }
    }
    let text = String::from_utf8_lossy(&head);
    let mut parts = text.lines().next().unwrap_or("").split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("/");
    let path = target.split('?').next().unwrap_or(target).to_string();
    let response = state
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .next_response(&path);
    write_response(&mut stream, &method, &response)
}

fn write_response(stream: &mut TcpStream, method: &str, r: &Response) -> std::io::Result<()> {
    let mut out = format!("HTTP/1.1 {} {}\r\n", r.status, reason(r.status));
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n",
        r.claimed_len.unwrap_or(r.body.len())
    ));
    for (k, v) in &r.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    stream.write_all(out.as_bytes())?;
    if method != "HEAD" {
        stream.write_all(&r.body)?;
    }
    stream.flush()?;
    let _ = stream.shutdown(std::net::Shutdown::Write);
    Ok(())
}
