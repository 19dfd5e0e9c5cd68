//! Differential test: every real lock, read by lock2nix-lock and by an independent Python reader
//! (`tests/py/lock_facts.py`, tomllib + packaging), must give exactly the same facts.

mod common;

use lock2nix_lock::{read_lock, Lock, SourceKind};
use serde_json::{json, Value};

/// The facts of `tests/py/lock_facts.py`, computed from the Rust model.
fn rust_facts(lock: &Lock) -> Value {
    let id = |i: usize| {
        let p = &lock.packages[i];
        format!(
            "{}=={}",
            p.name,
            p.version
                .as_ref()
                .map_or_else(|| "None".to_string(), ToString::to_string)
        )
    };
    let mut packages = Vec::new();
    let mut edges = Vec::new();
    let mut hashes = Vec::new();
    for (i, p) in lock.packages.iter().enumerate() {
        packages.push(json!({
            "name": p.name.to_string(),
            "version": p.version.as_ref().map(ToString::to_string),
            "source_kind": p.source.kind().as_str(),
            "wheels": p.wheels.len(),
            "sdist": p.sdist.is_some(),
            "resolution_markers": p.resolution_markers.len(),
        }));
        let mut groups: Vec<(String, &Vec<lock2nix_lock::Dependency>)> =
            vec![("dependencies".to_string(), &p.dependencies)];
        for (extra, deps) in &p.optional_dependencies {
            groups.push((format!("extra:{extra}"), deps));
        }
        for (group, deps) in &p.dev_dependencies {
            groups.push((format!("group:{group}"), deps));
        }
        for (place, deps) in groups {
            for d in deps {
                edges.push(json!({
                    "from": id(i),
                    "where": place,
                    "to": d.name.to_string(),
                    "target": id(d.target),
                    "extras": d.extras.iter().map(ToString::to_string).collect::<Vec<_>>(),
                    "marker": d.marker.as_ref().map(|m| m.raw.clone()),
                }));
            }
        }
        if let Some(h) = p.sdist.as_ref().and_then(|s| s.hash.as_ref()) {
            hashes.push(json!({"package": id(i), "file": "sdist", "hash": h.to_string(), "sri": h.to_sri()}));
        }
        for (w, wheel) in p.wheels.iter().enumerate() {
            if let Some(h) = &wheel.hash {
                hashes.push(json!({"package": id(i), "file": format!("wheel[{w}]"), "hash": h.to_string(), "sri": h.to_sri()}));
            }
        }
    }
    let counts: serde_json::Map<String, Value> = lock
        .source_counts()
        .into_iter()
        .map(|(k, n)| (k.as_str().to_string(), json!(n)))
        .collect();
    let mut members: Vec<String> = lock
        .manifest
        .members
        .iter()
        .map(ToString::to_string)
        .collect();
    members.sort();
    json!({
        "version": lock.version,
        "revision": lock.revision,
        "requires_python": lock.requires_python_raw,
        "resolution_markers": lock.resolution_markers.len(),
        "members": members,
        "package_count": lock.packages.len(),
        "source_counts": counts,
        "wheel_count": lock.packages.iter().map(|p| p.wheels.len()).sum::<usize>(),
        "sdist_count": lock.packages.iter().filter(|p| p.sdist.is_some()).count(),
        "packages": packages,
        "edges": edges,
        "hashes": hashes,
    })
}

/// Compare two arrays element by element, failing on the first difference with both sides shown.
fn compare_list(label: &str, what: &str, rust: &Value, py: &Value) {
    let (r, p) = (rust.as_array().unwrap(), py.as_array().unwrap());
    for (i, (a, b)) in r.iter().zip(p).enumerate() {
        assert_eq!(
            a, b,
            "{label}: {what}[{i}] differs (left: Rust, right: Python)"
        );
    }
    assert_eq!(r.len(), p.len(), "{label}: number of {what} differs");
}

#[test]
fn every_real_lock_matches_the_python_reader() {
    if common::skip_py("every_real_lock_matches_the_python_reader") {
        return;
    }
    // sanity of the kinds this test relies on
    assert_eq!(SourceKind::ALL.len(), 7);
    for (label, dir) in common::real_locks() {
        let path = dir.join("uv.lock");
        let lock = read_lock(&path).unwrap_or_else(|e| panic!("{label}: {e}"));
        let py: Value = serde_json::from_str(&common::run_py("lock_facts.py", &[path.as_os_str()]))
            .expect("python facts are JSON");
        let rust = rust_facts(&lock);
        for key in ["packages", "edges", "hashes"] {
            compare_list(label, key, &rust[key], &py[key]);
        }
        for key in [
            "version",
            "revision",
            "requires_python",
            "resolution_markers",
            "members",
            "package_count",
            "source_counts",
            "wheel_count",
            "sdist_count",
        ] {
            assert_eq!(
                rust[key], py[key],
                "{label}: `{key}` differs (left: Rust, right: Python)"
            );
        }
        // not vacuous: the locks are big and the comparison saw their contents
        assert!(py["packages"].as_array().unwrap().len() >= 41, "{label}");
        assert!(py["edges"].as_array().unwrap().len() >= 56, "{label}");
        assert!(py["hashes"].as_array().unwrap().len() >= 800, "{label}");
        assert!(
            lock.warnings.is_empty(),
            "{label}: unexpected warnings {:?}",
            lock.warnings
        );
    }
}
