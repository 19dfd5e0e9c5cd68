//! HTTP downloads: retries with exponential back-off, streaming sha256, a size limit, and an auth
//! header for one configured URL prefix (its value is marked sensitive and never formatted).

use std::io::{Read, Write};
use std::time::Duration;

use reqwest::header::{HeaderValue, AUTHORIZATION};
use sha2::{Digest, Sha256};

use crate::error::FetchError;

/// Removes a `user:password@` part from a URL so that it can be shown.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***@{}", &url[..scheme_end + 3], &rest[at + 1..]),
        None => url.to_string(),
    }
}

/// Whether `url` is plain `http://` to a host other than the loopback interface.
pub fn is_remote_plain_http(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None => host_port.split(':').next().unwrap_or(host_port),
    };
    !(host.eq_ignore_ascii_case("localhost") || host == "::1" || host.starts_with("127."))
}

/// Settings of the HTTP client.
#[derive(Debug, Clone)]
pub(crate) struct HttpSettings {
    pub connect_timeout: Duration,
    /// The longest wait for the response or for the next bytes of the body.
    pub idle_timeout: Duration,
    /// The longest a request may take, body included.
    pub timeout: Duration,
    pub max_tries: u32,
    pub backoff: Duration,
    pub max_bytes: u64,
}

struct Auth {
    prefix: String,
    value: HeaderValue,
}

pub(crate) struct Http {
    client: reqwest::blocking::Client,
    settings: HttpSettings,
    auth: Option<Auth>,
}

enum Attempt {
    Fatal(FetchError),
    RetryStatus(u16),
    RetryNetwork(String),
}

/// A finished download.
pub(crate) struct Fetched<W> {
    pub sink: W,
    pub sha256_hex: String,
}

fn describe_reqwest(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "transfer failed"
    } else {
        "request failed"
    };
    let e = e.without_url();
    let mut msg = format!("{kind}: {e}");
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

impl Http {
    /// Builds the client. `auth` is `(url prefix, token)`: requests whose URL starts with the prefix get
    /// `Authorization: Bearer <token>`.
    pub fn new(settings: HttpSettings, auth: Option<(String, String)>) -> Result<Self, FetchError> {
        // reqwest is built without a bundled crypto provider (to avoid aws-lc-sys); use ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        // reqwest's blocking `timeout` bounds each wait (for the response, for each read of the
        // body): an idle timeout; the whole request's deadline is checked while reading
        let client = reqwest::blocking::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.idle_timeout)
            .user_agent(concat!("lock2nix/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| FetchError::Client {
                message: describe_reqwest(e),
            })?;
        let auth = match auth {
            Some((prefix, token)) => {
                let mut value =
                    HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
                        FetchError::Client {
                            message:
                                "the auth token contains characters not allowed in an HTTP header"
                                    .to_string(),
                        }
                    })?;
                value.set_sensitive(true);
                Some(Auth { prefix, value })
            }
            None => None,
        };
        Ok(Http {
            client,
            settings,
            auth,
        })
    }

    /// GETs `url`, streaming the body into a fresh sink from `make_sink` (one per attempt), hashing it
    /// as it arrives. Retries 5xx, connection errors and timeouts; never 4xx.
    pub fn get<W: Write>(
        &self,
        subject: &str,
        url: &str,
        note: &dyn Fn(&str),
        make_sink: impl FnMut() -> std::io::Result<W>,
    ) -> Result<Fetched<W>, FetchError> {
        self.get_limited(subject, url, self.settings.max_bytes, note, make_sink)
    }

    /// [`Http::get`] with a smaller size limit than the client's.
    pub fn get_limited<W: Write>(
        &self,
        subject: &str,
        url: &str,
        max_bytes: u64,
        note: &dyn Fn(&str),
        mut make_sink: impl FnMut() -> std::io::Result<W>,
    ) -> Result<Fetched<W>, FetchError> {
        let max_bytes = max_bytes.min(self.settings.max_bytes);
        let shown = redact_url(url);
        let tries = self.settings.max_tries.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let sink = make_sink().map_err(|source| FetchError::Io {
                subject: subject.to_string(),
                context: "cannot create a temporary file".to_string(),
                source,
            })?;
            let outcome = self.attempt(subject, url, &shown, attempt, max_bytes, sink);
            let why = match outcome {
                Ok(done) => return Ok(done),
                Err(Attempt::Fatal(e)) => return Err(e),
                Err(Attempt::RetryStatus(status)) if attempt >= tries => {
                    return Err(FetchError::Status {
                        subject: subject.to_string(),
                        url: shown,
                        status,
                        attempts: attempt,
                    })
                }
                Err(Attempt::RetryNetwork(message)) if attempt >= tries => {
                    return Err(FetchError::Network {
                        subject: subject.to_string(),
                        url: shown,
                        attempts: attempt,
                        message,
                    })
                }
                Err(Attempt::RetryStatus(status)) => format!("HTTP {status}"),
                Err(Attempt::RetryNetwork(message)) => message,
            };
            let delay = self
                .settings
                .backoff
                .saturating_mul(1u32 << (attempt - 1).min(16))
                .min(Duration::from_secs(60));
            note(&format!(
                "{subject}: GET {shown} failed ({why}); retrying in {} ms (attempt {}/{tries})",
                delay.as_millis(),
                attempt + 1
            ));
            std::thread::sleep(delay);
        }
    }

    fn attempt<W: Write>(
        &self,
        subject: &str,
        url: &str,
        shown: &str,
        attempt: u32,
        max_bytes: u64,
        mut sink: W,
    ) -> Result<Fetched<W>, Attempt> {
        let start = std::time::Instant::now();
        let mut req = self.client.get(url);
        if let Some(auth) = &self.auth {
            if url.starts_with(&auth.prefix) {
                req = req.header(AUTHORIZATION, auth.value.clone());
            }
        }
        let mut resp = req
            .send()
            .map_err(|e| Attempt::RetryNetwork(describe_reqwest(e)))?;
        let status = resp.status().as_u16();
        if resp.status().is_server_error() {
            return Err(Attempt::RetryStatus(status));
        }
        if !resp.status().is_success() {
            return Err(Attempt::Fatal(FetchError::Status {
                subject: subject.to_string(),
                url: shown.to_string(),
                status,
                attempts: attempt,
            }));
        }
        let too_large = || {
            Attempt::Fatal(FetchError::TooLarge {
                subject: subject.to_string(),
                url: shown.to_string(),
                limit: max_bytes,
            })
        };
        if resp.content_length().is_some_and(|n| n > max_bytes) {
            return Err(too_large());
        }
        let mut hasher = Sha256::new();
        let mut total: u64 = 0;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match resp.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // reqwest's idle timeout surfaces as a body error whose cause says so
                    let mut message = format!("transfer failed: {e}");
                    let mut source = std::error::Error::source(&e);
                    while let Some(s) = source {
                        message.push_str(&format!(": {s}"));
                        source = s.source();
                    }
                    return Err(Attempt::RetryNetwork(message));
                }
            };
            total += n as u64;
            if total > max_bytes {
                return Err(too_large());
            }
            // a server that sends a byte now and then never hits the idle timeout
            if start.elapsed() > self.settings.timeout {
                return Err(Attempt::RetryNetwork(format!(
                    "timed out: the transfer took longer than {} s ({total} bytes received)",
                    self.settings.timeout.as_secs()
                )));
            }
            hasher.update(&buf[..n]);
            sink.write_all(&buf[..n]).map_err(|source| {
                Attempt::Fatal(FetchError::Io {
                    subject: subject.to_string(),
                    context: "cannot write the download to a temporary file".to_string(),
                    source,
                })
            })?;
        }
        sink.flush().map_err(|source| {
            Attempt::Fatal(FetchError::Io {
                subject: subject.to_string(),
                context: "cannot write the download to a temporary file".to_string(),
                source,
            })
        })?;
        Ok(Fetched {
            sink,
            sha256_hex: hex::encode(hasher.finalize()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn plain_http_to_remote_hosts() {
        use super::is_remote_plain_http as remote;
        assert!(remote("http://example.org/x"));
        assert!(remote("http://u:p@10.0.0.1:80/"));
        assert!(!remote("https://example.org/"));
        assert!(!remote("http://127.0.0.1:8080/"));
        assert!(!remote("http://localhost/"));
        assert!(!remote("http://[::1]:80/"));
    }

    #[test]
    fn redacts_userinfo_only() {
        assert_eq!(
            redact_url("https://tok:x@github.com/o/r@v"),
            "https://***@github.com/o/r@v"
        );
        assert_eq!(
            redact_url("https://github.com/o/r@v"),
            "https://github.com/o/r@v"
        );
        assert_eq!(redact_url("not a url"), "not a url");
        assert_eq!(redact_url("file:///tmp/repo"), "file:///tmp/repo");
    }
}
