//! Field-level checks of the real locks, written by hand from the files (the expected SRI strings
//! were computed with Python: `"sha256-" + base64.b64encode(bytes.fromhex(hex)).decode()`).

mod common;

use std::str::FromStr;

use lock2nix_lock::pep508_rs::PackageName;
use lock2nix_lock::{
    read_lock, GitReference, Lock, Package, RegistrySource, RequirementSource, SdistLocator,
    Source, WheelLocator,
};

fn lock(rel: &str) -> Lock {
    read_lock(&common::fixture(rel).join("uv.lock")).unwrap_or_else(|e| panic!("{e}"))
}

fn pkg<'a>(lock: &'a Lock, name: &str, version: &str) -> &'a Package {
    let name = PackageName::from_str(name).unwrap();
    let found: Vec<&Package> = lock
        .packages
        .iter()
        .filter(|p| p.name == name && p.version_string() == version)
        .collect();
    assert_eq!(found.len(), 1, "{name}=={version}");
    found[0]
}

#[test]
fn authentik_opencontainers_git_source() {
    let lock = lock("authentik");
    let p = pkg(&lock, "opencontainers", "0.0.14");
    let Source::Git(g) = &p.source else {
        panic!("not git: {:?}", p.source)
    };
    assert_eq!(g.repository, "https://github.com/vsoch/oci-python");
    assert_eq!(
        g.reference,
        GitReference::Rev("ceb4fcc090851717a3069d78e85ceb1e86c2740c".into())
    );
    assert_eq!(g.commit, "ceb4fcc090851717a3069d78e85ceb1e86c2740c");
    assert_eq!(g.subdirectory, None);
    assert_eq!(g.path, None);
    assert!(!g.lfs);
    assert_eq!(
        g.raw,
        "https://github.com/vsoch/oci-python?rev=ceb4fcc090851717a3069d78e85ceb1e86c2740c#ceb4fcc090851717a3069d78e85ceb1e86c2740c"
    );
    assert!(p.wheels.is_empty() && p.sdist.is_none());
    assert_eq!(p.line, 2354, "line of its [[package]] header");
    // the root's metadata records the same git source without the commit
    let root = pkg(&lock, "authentik", "2026.2.0rc1");
    let req = root
        .metadata
        .as_ref()
        .unwrap()
        .requires_dist
        .iter()
        .find(|r| r.name.as_ref() == "opencontainers")
        .unwrap();
    assert_eq!(
        req.source,
        RequirementSource::Git(
            "https://github.com/vsoch/oci-python?rev=ceb4fcc090851717a3069d78e85ceb1e86c2740c"
                .into()
        )
    );
}

#[test]
fn editable_members_and_manifest() {
    let lock = lock("authentik");
    let members: Vec<&str> = lock.manifest.members.iter().map(AsRef::as_ref).collect();
    assert_eq!(
        members,
        [
            "ak-guardian",
            "authentik",
            "django-channels-postgres",
            "django-dramatiq-postgres",
            "django-postgres-cache"
        ]
    );
    let editable: Vec<(String, String)> = lock
        .member_ids()
        .into_iter()
        .map(|i| {
            let p = &lock.packages[i];
            let Source::Editable(path) = &p.source else {
                panic!("{} is {:?}", p.name, p.source)
            };
            (p.name.to_string(), path.clone())
        })
        .collect();
    assert_eq!(
        editable,
        [
            ("ak-guardian", "packages/ak-guardian"),
            ("authentik", "."),
            (
                "django-channels-postgres",
                "packages/django-channels-postgres"
            ),
            (
                "django-dramatiq-postgres",
                "packages/django-dramatiq-postgres"
            ),
            ("django-postgres-cache", "packages/django-postgres-cache"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(lock.requires_python_raw.as_deref(), Some("==3.13.*"));
    assert_eq!(lock.revision, 3);
    assert!(lock.resolution_markers.is_empty());

    let wm = self::lock("locks/workspace-mixed");
    let members: Vec<(String, String)> = wm
        .member_ids()
        .into_iter()
        .map(|i| {
            let p = &wm.packages[i];
            (
                p.name.to_string(),
                p.source.local_path().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        members,
        [
            ("mixed-core", "packages/mixed-core"),
            ("mixed-plugin", "packages/mixed-plugin"),
            ("mixed-root", "."),
            ("mixed-utils", "packages/mixed-utils"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let root = pkg(&wm, "mixed-root", "0.1.0");
    let meta = root.metadata.as_ref().unwrap();
    let plugin = meta
        .requires_dist
        .iter()
        .find(|r| r.name.as_ref() == "mixed-plugin")
        .unwrap();
    assert_eq!(
        plugin.source,
        RequirementSource::Editable("packages/mixed-plugin".into())
    );
    assert_eq!(plugin.marker.as_ref().unwrap().raw, "extra == 'plugins'");
    let dev: Vec<String> = meta.requires_dev[&"dev".parse().unwrap()]
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        dev,
        [
            "mixed-plugin[test] @ packages/mixed-plugin",
            "mypy>=1.10",
            "pytest>=8",
            "ruff"
        ]
    );
    let extras: Vec<&str> = meta.provides_extras.iter().map(AsRef::as_ref).collect();
    assert_eq!(extras, ["cli", "plugins", "yaml"]);
}

#[test]
fn workspace_mixed_url_and_directory_sources() {
    let lock = lock("locks/workspace-mixed");
    let six = pkg(&lock, "six", "1.17.0");
    let url = "https://files.pythonhosted.org/packages/b7/ce/149a00dd41f10bc29e5921b496af8b574d8413afcd5e30dfa0ed46c2cc5e/six-1.17.0-py2.py3-none-any.whl";
    assert_eq!(
        six.source,
        Source::Url {
            url: url.into(),
            subdirectory: None
        }
    );
    assert_eq!(six.wheels.len(), 1);
    assert_eq!(six.wheels[0].locator, WheelLocator::Url(url.into()));
    assert_eq!(
        six.wheels[0].hash.as_ref().unwrap().to_sri(),
        "sha256-RyHzke2QVB/drKtaz5R6oNPcfSey4ejtor6JcFhsMnQ="
    );
    assert!(six.sdist.is_none());
    // python-dateutil 3.0.0's edge to six resolves to the URL package (4.0.0 dropped six)
    let six_id = lock
        .packages
        .iter()
        .position(|p| std::ptr::eq(p, six))
        .unwrap();
    let dateutil_edges: Vec<usize> = lock
        .packages
        .iter()
        .filter(|p| p.name.as_ref() == "python-dateutil" && p.version_string() == "3.0.0")
        .flat_map(|p| p.dependencies.iter())
        .filter(|d| d.name.as_ref() == "six")
        .map(|d| d.target)
        .collect();
    assert_eq!(dateutil_edges, [six_id]);
    assert!(pkg(&lock, "python-dateutil", "4.0.0")
        .dependencies
        .iter()
        .all(|d| d.name.as_ref() != "six"));

    let vendored = pkg(&lock, "mixed-vendored", "2.0.0");
    assert_eq!(
        vendored.source,
        Source::Directory("vendor/mixed-vendored".into())
    );
    assert!(vendored.wheels.is_empty() && vendored.sdist.is_none());
    assert!(!lock
        .member_ids()
        .iter()
        .any(|&i| lock.packages[i].name.as_ref() == "mixed-vendored"));
    // mixed-plugin → mixed-utils[fast]
    let plugin = pkg(&lock, "mixed-plugin", "0.0.4");
    let e = plugin
        .dependencies
        .iter()
        .find(|d| d.name.as_ref() == "mixed-utils")
        .unwrap();
    assert_eq!(
        e.extras.iter().map(AsRef::as_ref).collect::<Vec<&str>>(),
        ["fast"]
    );
    assert_eq!(lock.packages[e.target].version_string(), "1.2.0");
    assert_eq!(lock.resolution_markers.len(), 3);
    assert_eq!(lock.requires_python_raw.as_deref(), Some(">=3.10"));
}

#[test]
fn hashes_and_their_sri_forms() {
    let lock = lock("authentik");
    let c = pkg(&lock, "cryptography", "45.0.5");
    let sdist = c.sdist.as_ref().unwrap();
    assert!(
        matches!(&sdist.locator, SdistLocator::Url(u) if u.ends_with("/cryptography-45.0.5.tar.gz"))
    );
    let h = sdist.hash.as_ref().unwrap();
    assert_eq!(
        h.to_string(),
        "sha256:72e76caa004ab63accdf26023fccd1d087f6d90ec6048ff33ad0445abf7f605a"
    );
    assert_eq!(
        h.to_sri(),
        "sha256-cudsqgBKtjrM3yYCP8zR0If22Q7GBI/zOtBEWr9/YFo="
    );
    assert_eq!(sdist.size, Some(744_903));
    let w0 = &c.wheels[0];
    assert_eq!(
        w0.filename.to_string(),
        "cryptography-45.0.5-cp311-abi3-macosx_10_9_universal2.whl"
    );
    assert_eq!(
        w0.hash.as_ref().unwrap().to_sri(),
        "sha256-EB7mUHj23T5aAo1PGcB/+k3SLM5qIOqhYPi1IZkR59g="
    );
    let django = pkg(&lock, "django", "5.2.9");
    assert_eq!(
        django
            .sdist
            .as_ref()
            .unwrap()
            .hash
            .as_ref()
            .unwrap()
            .to_sri(),
        "sha256-FrXM/F6MJ+bAVhr1UdLqMoUtc1LGfUUq4+drT2sspJU="
    );
    assert_eq!(
        django.wheels[0].hash.as_ref().unwrap().to_sri(),
        "sha256-Ok6oinA3BVerGTCzMv0oh6n0hlQmHN/9pmP+9ZdrsAo="
    );
    let top = self::lock("locks/top-1000");
    let d6 = pkg(&top, "django", "6.1.3");
    assert_eq!(
        d6.sdist.as_ref().unwrap().hash.as_ref().unwrap().to_sri(),
        "sha256-tdLZ41KVBl0TsZJ7Pxmlm9EZ9zeqYpne8UzMoa48jA0="
    );
    assert_eq!(
        pkg(&top, "cryptography", "50.0.2").wheels[0]
            .hash
            .as_ref()
            .unwrap()
            .to_sri(),
        "sha256-+o9e+zRNaQihzmL0ok4uV4D4Jdb1P19Q7F/6yscpNss="
    );
    assert!(matches!(
        &d6.source,
        Source::Registry(RegistrySource::Url(u)) if u == "https://pypi.org/simple"
    ));
}

#[test]
fn wheel_counts() {
    let a = lock("authentik");
    assert_eq!(pkg(&a, "cryptography", "45.0.5").wheels.len(), 24);
    assert_eq!(pkg(&a, "lxml", "6.0.0").wheels.len(), 16);
    let top = lock("locks/top-1000");
    assert_eq!(pkg(&top, "numpy", "2.4.6").wheels.len(), 71);
    assert_eq!(pkg(&top, "numpy", "2.5.5").wheels.len(), 65);
    assert_eq!(pkg(&top, "cryptography", "50.0.2").wheels.len(), 58);
    // the two numpy entries are chosen by edge version + marker
    let accel = top
        .packages
        .iter()
        .find(|p| {
            p.dependencies
                .iter()
                .filter(|d| d.name.as_ref() == "numpy")
                .count()
                == 2
        })
        .unwrap();
    let targets: Vec<String> = accel
        .dependencies
        .iter()
        .filter(|d| d.name.as_ref() == "numpy")
        .map(|d| {
            format!(
                "{} if {}",
                top.packages[d.target].version_string(),
                d.marker.as_ref().unwrap()
            )
        })
        .collect();
    assert_eq!(
        targets,
        [
            "2.4.6 if python_full_version < '3.12'",
            "2.5.5 if python_full_version >= '3.12'"
        ]
    );
}

/// The table of `fixtures/locks/README.md`.
#[test]
fn readme_table() {
    let rows = [
        ("locks/top-300", ">=3.10", 433, 19, 7149, 430),
        ("locks/top-1000", ">=3.11", 1168, 21, 11128, 1079),
        ("locks/top-1500", ">=3.11", 1660, 56, 12674, 1586),
        ("locks/workspace-mixed", ">=3.10", 41, 3, 853, 33),
    ];
    for (rel, rp, packages, markers, wheels, sdists) in rows {
        let l = lock(rel);
        assert_eq!(l.requires_python_raw.as_deref(), Some(rp), "{rel}");
        assert!(l
            .requires_python
            .as_ref()
            .unwrap()
            .contains(&"3.12".parse().unwrap()));
        assert_eq!(l.packages.len(), packages, "{rel}");
        assert_eq!(l.resolution_markers.len(), markers, "{rel}");
        assert_eq!(
            l.packages.iter().map(|p| p.wheels.len()).sum::<usize>(),
            wheels,
            "{rel}"
        );
        assert_eq!(
            l.packages.iter().filter(|p| p.sdist.is_some()).count(),
            sdists,
            "{rel}"
        );
        assert_eq!((l.version, l.revision), (1, 5), "{rel}");
    }
    let top300 = lock("locks/top-300");
    let counts = top300.source_counts();
    assert_eq!(counts[&lock2nix_lock::SourceKind::Registry], 432);
    assert_eq!(counts[&lock2nix_lock::SourceKind::Virtual], 1);
    let distinct: std::collections::BTreeSet<&PackageName> =
        top300.packages.iter().map(|p| &p.name).collect();
    assert_eq!(distinct.len(), 366);
}
