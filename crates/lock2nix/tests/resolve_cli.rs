//! `lock2nix resolve`, `why` and `graph` on authentik's real lock (x86_64-linux, CPython 3.13).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn authentik_lock() -> PathBuf {
    lock2nix_testkit::fixture("authentik").join("uv.lock")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lock2nix"))
        .args(args)
        .output()
        .expect("run lock2nix")
}

/// `cmd --lock authentik/uv.lock --system x86_64-linux --python 3.13 extra...`
fn authentik(cmd: &[&str], extra: &[&str]) -> Output {
    let lock = authentik_lock();
    let mut args: Vec<&str> = cmd.to_vec();
    args.extend([
        "--lock",
        lock.to_str().unwrap(),
        "--system",
        "x86_64-linux",
        "--python",
        "3.13",
    ]);
    args.extend(extra);
    run(&args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn ok(o: Output) -> Output {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    o
}

#[test]
fn why_dramatiq_goes_through_django_dramatiq_postgres_with_watch() {
    let o = ok(authentik(&["why", "dramatiq"], &[]));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "dramatiq 1.17.1 is needed on x86_64-linux with CPython 3.13.9:"
    );
    // the workspace members are the roots: django-dramatiq-postgres is one of them
    assert!(
        lines.contains(&"  django-dramatiq-postgres 0.1.0 -[with [watch]]-> dramatiq 1.17.1"),
        "{out}"
    );
    // from the authentik project alone, the path is one step longer
    let o = ok(authentik(&["why", "dramatiq"], &["--root", "authentik"]));
    let out = stdout(&o);
    assert!(
        out.lines().any(|l| l
            == "  authentik 2026.2.0rc1 -> django-dramatiq-postgres 0.1.0 -[with [watch]]-> dramatiq 1.17.1"),
        "{out}"
    );
    // a root explains itself
    let o = ok(authentik(&["why", "django-dramatiq-postgres"], &[]));
    assert!(stdout(&o).contains("it is a root"), "{}", stdout(&o));
}

#[test]
fn why_of_absent_or_unneeded_packages_is_a_user_error() {
    let o = authentik(&["why", "no-such-package"], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no-such-package is not in the lock"),
        "{}",
        stderr(&o)
    );
    assert!(o.stdout.is_empty());
    // pywin32 is in authentik's lock behind `sys_platform == 'win32'`
    let o = authentik(&["why", "pywin32"], &[]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("pywin32 is in the lock but not needed on x86_64-linux with CPython 3.13.9"),
        "{err}"
    );
}

fn resolve_json() -> Value {
    let o = ok(authentik(&["resolve"], &["--format", "json"]));
    serde_json::from_slice(&o.stdout).expect("resolve --format json is JSON")
}

#[test]
fn resolve_json_has_packages_with_artifacts() {
    let v = resolve_json();
    assert_eq!(v["system"], "x86_64-linux");
    assert_eq!(v["python"], "3.13.9");
    let packages = v["packages"].as_array().unwrap();
    let by_name: BTreeMap<&str, &Value> = packages
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p))
        .collect();
    assert_eq!(by_name.len(), packages.len(), "one entry per name");
    let names: Vec<&str> = packages
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "packages are sorted by name");
    for p in packages {
        for key in ["name", "version", "source"] {
            assert!(p[key].is_string(), "{key} in {p}");
        }
        let a = &p["artifact"];
        match a["kind"].as_str().unwrap() {
            "wheel" | "sdist" => {
                assert_eq!(p["source"], "registry", "{p}");
                let url = a["url"].as_str().unwrap();
                let file = a["filename"].as_str().unwrap();
                assert!(url.ends_with(file), "{p}");
                assert!(a["hash"].as_str().unwrap().starts_with("sha256:"), "{p}");
            }
            "editable" => assert!(a["path"].is_string(), "{p}"),
            "git" => assert!(a["url"].is_string() && a["commit"].is_string(), "{p}"),
            other => panic!("unexpected artifact kind {other} in {p}"),
        }
    }
    let kind = |n: &str| by_name[n]["artifact"]["kind"].as_str().unwrap();
    // tool.uv.no-binary-package in authentik's pyproject, and an sdist-only package
    assert_eq!(kind("lxml"), "sdist");
    assert_eq!(kind("xmlsec"), "sdist");
    assert_eq!(kind("psycopg-c"), "sdist");
    assert_eq!(by_name["lxml"]["artifact"]["filename"], "lxml-6.0.0.tar.gz");
    assert_eq!(kind("cryptography"), "wheel");
    assert_eq!(kind("opencontainers"), "git");
    assert_eq!(kind("authentik"), "editable");
    assert_eq!(by_name["dramatiq"]["extras"], serde_json::json!(["watch"]));
    assert!(!by_name.contains_key("pywin32"));
    let roots: BTreeSet<&str> = v["roots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(
        roots,
        BTreeSet::from([
            "ak-guardian",
            "authentik",
            "django-channels-postgres",
            "django-dramatiq-postgres",
            "django-postgres-cache"
        ])
    );
}

#[test]
fn graph_json_agrees_with_resolve_json() {
    let res = resolve_json();
    let o = ok(authentik(&["graph"], &["--format", "json"]));
    let g: Value = serde_json::from_slice(&o.stdout).unwrap();
    let nodes: BTreeSet<(String, String)> = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["name"].as_str().unwrap().into(),
                n["version"].as_str().unwrap().into(),
            )
        })
        .collect();
    let packages: BTreeSet<(String, String)> = res["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().into(),
                p["version"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(nodes, packages);
    let deps: BTreeMap<String, BTreeSet<String>> = res["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["dependencies"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();
    let edges = g["edges"].as_array().unwrap();
    assert!(edges.len() > 250, "{}", edges.len());
    let mut normal: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in edges {
        let (from, to) = (e["from"].as_str().unwrap(), e["to"].as_str().unwrap());
        assert!(deps.contains_key(from) && deps.contains_key(to), "{e}");
        if e["kind"] == "normal" {
            assert!(
                deps[from].contains(to),
                "normal edge {from} -> {to} missing from resolve's dependencies"
            );
            normal
                .entry(from.to_string())
                .or_default()
                .insert(to.to_string());
        }
        assert_eq!(e["cut"], false, "authentik has no cycles: {e}");
    }
    // every dependency resolve reports is a normal edge, or comes with an extra asked of one
    for (from, ds) in &deps {
        for d in ds {
            let direct = normal.get(from).is_some_and(|s| s.contains(d));
            let via_extra = edges.iter().any(|e| {
                e["to"] == d.as_str()
                    && e["kind"].as_str().unwrap().starts_with("extra:")
                    && normal
                        .get(from)
                        .is_some_and(|s| s.contains(e["from"].as_str().unwrap()))
            });
            assert!(direct || via_extra, "{from} -> {d} has no edge");
        }
    }
    // the watch extra of dramatiq is visible on the edge
    assert!(edges.iter().any(|e| e["from"] == "django-dramatiq-postgres"
        && e["to"] == "dramatiq"
        && e["extras"] == serde_json::json!(["watch"])));
    assert_eq!(res["cycles"], serde_json::json!([]));
}

fn dot_tool() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    lock2nix_testkit::find_in_path("dot", &path)
        .expect("`dot` (Graphviz) is needed for this test: `apt-get install graphviz`")
}

fn render_svg(dot_src: &[u8]) -> String {
    let mut child = Command::new(dot_tool())
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(dot_src).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "dot -Tsvg rejected the graph: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "dot warned: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn graph_dot_is_accepted_by_graphviz() {
    let o = ok(authentik(&["graph"], &["--format", "dot"]));
    let src = stdout(&o);
    assert!(src.starts_with("digraph "), "{src}");
    let svg = render_svg(&o.stdout);
    assert!(svg.contains("<svg"), "{svg}");
    // one node per package, one edge line per graph edge
    let res = resolve_json();
    let n = res["packages"].as_array().unwrap().len();
    assert_eq!(svg.matches("class=\"node\"").count(), n);
    assert!(
        svg.contains("django&#45;dramatiq&#45;postgres"),
        "node names are drawn"
    );
}

/// Node labels are `name` and `version` on two lines (a DOT `\n` escape, not an escaped backslash).
#[test]
fn graph_dot_labels_put_the_version_on_its_own_line() {
    let o = ok(authentik(&["graph"], &["--format", "dot"]));
    let svg = render_svg(&o.stdout);
    assert!(svg.contains(">dramatiq</text>"), "name on its own line");
    assert!(svg.contains(">1.17.1</text>"), "version on its own line");
}

#[test]
fn exit_codes() {
    // usage errors: 2
    let o = authentik(&["resolve"], &["--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = run(&["why"]);
    assert_eq!(o.status.code(), Some(2), "missing argument: {}", stderr(&o));
    let o = authentik(&["graph"], &["--format", "png"]);
    assert_eq!(o.status.code(), Some(2));
    // user errors: 1, with a message
    let o = run(&[
        "resolve",
        "--lock",
        authentik_lock().to_str().unwrap(),
        "--python",
        "3.12",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("requires-python"), "{}", stderr(&o));
    let o = run(&[
        "resolve",
        "--lock",
        authentik_lock().to_str().unwrap(),
        "--system",
        "riscv64-linux",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("unknown system `riscv64-linux`"),
        "{}",
        stderr(&o)
    );
    let o = authentik(&["resolve"], &["--extra", "no-such-extra"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no root package defines the extra `no-such-extra`"),
        "{}",
        stderr(&o)
    );
    let o = run(&[
        "resolve",
        "--lock",
        "/nonexistent/uv.lock",
        "--python",
        "3.12",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
    // success: 0, and text output names the target
    let o = ok(authentik(&["resolve"], &[]));
    assert!(
        stdout(&o).starts_with("# 178 packages for x86_64-linux with CPython 3.13.9"),
        "{}",
        stdout(&o)
    );
}
