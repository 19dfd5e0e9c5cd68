//! The pipeline as a library: settings merged once, defaulted systems that cannot be installed
//! left out with a warning, named ones fatal, the header a round trip.

use std::path::Path;

use lock2nix_project::flags::{LockArgs, NixpkgsArgs, TargetArgs, TranslateArgs};
use lock2nix_project::{translate, Error, OverlayHeader, Project, Settings};

/// `app` needs `linuxonly`, which has a manylinux wheel and no sdist: Darwin cannot install it.
const LOCK: &str = r#"version = 1
revision = 3
requires-python = ">=3.12"

[[package]]
name = "app"
version = "1.0"
source = { virtual = "." }
dependencies = [{ name = "linuxonly" }]

[[package]]
name = "linuxonly"
version = "2.0"
source = { registry = "https://pypi.org/simple" }
wheels = [
    { url = "https://files.example/linuxonly-2.0-cp312-cp312-manylinux_2_17_x86_64.whl", hash = "sha256:0000000000000000000000000000000000000000000000000000000000000001" },
    { url = "https://files.example/linuxonly-2.0-cp312-cp312-manylinux_2_17_aarch64.whl", hash = "sha256:0000000000000000000000000000000000000000000000000000000000000002" },
]
"#;

fn project(dir: &Path, config: Option<&str>) -> Project {
    std::fs::write(dir.join("uv.lock"), LOCK).unwrap();
    if let Some(c) = config {
        std::fs::write(dir.join("lock2nix.toml"), c).unwrap();
    }
    Project::load(&lock_args(dir)).unwrap()
}

fn lock_args(dir: &Path) -> LockArgs {
    LockArgs {
        lock: Some(dir.join("uv.lock")),
        config: None,
    }
}

fn args(dir: &Path, systems: &[&str]) -> TranslateArgs {
    TranslateArgs {
        target: TargetArgs {
            systems: systems.iter().map(ToString::to_string).collect(),
            python: Some("3.12".into()),
            ..TargetArgs::for_lock(lock_args(dir))
        },
        envs: Default::default(),
        nixpkgs: NixpkgsArgs {
            index: None,
            policy: None,
        },
        out: Some("-".into()),
        scope: None,
        global: false,
        hashes: None,
        allow_missing_hashes: false,
        force: false,
    }
}

#[test]
fn defaulted_systems_that_cannot_install_are_left_out_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path(), None);
    let settings = Settings::for_translate(&p, &args(dir.path(), &[])).unwrap();
    assert_eq!(settings.systems.len(), 4);
    assert!(!settings.systems_explicit);
    let t = translate(&p, &settings).unwrap();
    let systems: Vec<&str> = t
        .resolutions
        .iter()
        .map(|r| r.target.system.as_str())
        .collect();
    assert_eq!(systems, ["x86_64-linux", "aarch64-linux"]);
    assert_eq!(t.warnings.len(), 2, "{:?}", t.warnings);
    assert!(t.warnings.iter().all(|w| w.starts_with("leaving out ")));
    // the header says which systems the overlay is for, and reads back
    let header: OverlayHeader = t.text.to_string().parse().unwrap();
    assert_eq!(header, t.header);
    assert!(header
        .target
        .contains("systems: x86_64-linux, aarch64-linux;"));
    assert_eq!(header.lock_sha256, p.lock_sha256);
}

#[test]
fn a_named_system_that_cannot_install_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path(), None);
    let settings =
        Settings::for_translate(&p, &args(dir.path(), &["x86_64-linux", "aarch64-darwin"]))
            .unwrap();
    assert!(settings.systems_explicit);
    match translate(&p, &settings) {
        Err(Error::Resolve { target, .. }) => {
            assert!(target.contains("aarch64-darwin"), "{target}")
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("aarch64-darwin resolved"),
    }
    // the configuration naming them is the same as the flag
    let dir = tempfile::tempdir().unwrap();
    let p = project(
        dir.path(),
        Some("[target]\nsystems = [\"aarch64-darwin\"]\n"),
    );
    let settings = Settings::for_translate(&p, &args(dir.path(), &[])).unwrap();
    assert!(settings.systems_explicit);
    assert!(matches!(
        translate(&p, &settings),
        Err(Error::Resolve { .. })
    ));
}

#[test]
fn flags_override_the_configuration_once() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(
        dir.path(),
        Some("[target]\nsystems = [\"aarch64-linux\"]\n[nixpkgs]\npolicy = \"exact\"\nscope = \"cfgPython\"\n"),
    );
    let mut a = args(dir.path(), &["x86_64-linux"]);
    a.scope = Some("cliPython".into());
    let s = Settings::for_translate(&p, &a).unwrap();
    assert_eq!(s.systems, [lock2nix_wheel::System::X86_64Linux]);
    assert_eq!(s.policy, lock2nix_plan::Policy::Exact);
    assert_eq!(s.scope.as_deref(), Some("cliPython"));
    let t = translate(&p, &s).unwrap();
    assert_eq!(t.header.mode, "scope cliPython");
    assert_eq!(t.header.policy, "exact");
}

#[test]
fn prefetch_collects_the_closures_wheels_and_skips_defaulted_systems_that_do_not_resolve() {
    use lock2nix_project::prefetch::{collect_items, Selection, DEFAULT_METADATA_HOST};
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path(), None);
    let a = args(dir.path(), &[]);
    let hosts = [DEFAULT_METADATA_HOST.to_string()];
    let selection = Selection {
        target: &a.target,
        nixpkgs: &a.nixpkgs,
        all: false,
        metadata_hosts: &hosts,
    };
    let c = collect_items(&p, &selection).unwrap();
    let keys: Vec<String> = c.items.iter().map(|i| i.key()).collect();
    assert_eq!(
        keys,
        [
            "sha256:0000000000000000000000000000000000000000000000000000000000000001",
            "sha256:0000000000000000000000000000000000000000000000000000000000000002",
        ]
    );
    assert_eq!(c.unresolved.len(), 2, "{:?}", c.unresolved);
    // named, an unresolvable system is an error
    let a = args(dir.path(), &["aarch64-darwin"]);
    let selection = Selection {
        target: &a.target,
        nixpkgs: &a.nixpkgs,
        all: false,
        metadata_hosts: &hosts,
    };
    assert!(matches!(
        collect_items(&p, &selection),
        Err(Error::Resolve { .. })
    ));
}
