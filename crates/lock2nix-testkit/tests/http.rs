//! The scripted HTTP server, driven by a plain std TcpStream client.

use std::io::{Read, Write};
use std::net::TcpStream;

use lock2nix_testkit::{Response, TestServer};

/// Sends a GET and returns (status, headers text, body).
fn get(server: &TestServer, path: &str) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(server.addr()).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: test\r\n\r\n",
        server.addr()
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no header end");
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let body = raw[split + 4..].to_vec();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head, body)
}

#[test]
fn serves_scripted_responses_in_order_and_counts() {
    let wheel = vec![0u8, 1, 2, 255, b'P', b'K'];
    let server = TestServer::start([
        (
            "/files/a.whl",
            vec![Response::status(500), Response::ok(wheel.clone())],
        ),
        ("/gone", vec![Response::not_found()]),
    ])
    .unwrap();
    assert!(server.url("/files/a.whl").starts_with("http://127.0.0.1:"));
    assert_eq!(server.hits("/files/a.whl"), 0);

    let (st, head, _) = get(&server, "/files/a.whl");
    assert_eq!(st, 500);
    assert!(head.contains("Connection: close"), "{head}");
    let (st, head, body) = get(&server, "/files/a.whl?x=1");
    assert_eq!(st, 200);
    assert_eq!(body, wheel);
    assert!(
        head.contains(&format!("Content-Length: {}", wheel.len())),
        "{head}"
    );
    // The last response repeats.
    let (st, _, body) = get(&server, "/files/a.whl");
    assert_eq!((st, body), (200, wheel));
    assert_eq!(server.hits("/files/a.whl"), 3);

    assert_eq!(get(&server, "/gone").0, 404);
    assert_eq!(get(&server, "/never-routed").0, 404);
    assert_eq!(server.hits("/gone"), 1);
    assert_eq!(server.hits("/never-routed"), 1);
}

#[test]
fn truncated_response_announces_more_than_it_sends() {
    let server = TestServer::start([("/t", vec![Response::truncated("abc", 10)])]).unwrap();
    let (st, head, body) = get(&server, "/t");
    assert_eq!(st, 200);
    assert!(head.contains("Content-Length: 10"), "{head}");
    assert_eq!(body, b"abc");
}

#[test]
fn headers_and_head_requests() {
    let server = TestServer::start([(
        "/h",
        vec![Response::ok("body").with_header("X-Test", "yes")],
    )])
    .unwrap();
    let mut s = TcpStream::connect(server.addr()).unwrap();
    write!(s, "HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    assert!(raw.contains("X-Test: yes"), "{raw}");
    assert!(
        raw.ends_with("\r\n\r\n"),
        "HEAD must not send a body: {raw:?}"
    );
}

#[test]
fn stops_on_drop() {
    let server = TestServer::start([("/x", vec![Response::ok("x")])]).unwrap();
    let addr = server.addr();
    assert_eq!(get(&server, "/x").0, 200);
    drop(server);
    assert!(
        TcpStream::connect(addr).is_err(),
        "server still accepting after drop"
    );
}
