//! The emitter on real and hostile locks, through the library (read → resolve → plan → emit):
//! every fixture overlay parses with `nix-instantiate --parse` and is a fixed point of alejandra;
//! per-system merging keeps each system's own choice; strings from a hostile lock come back from
//! Nix unchanged.

use std::path::{Path, PathBuf};

use lock2nix_emit::{emit, Overlay as EmitOverlay};
use lock2nix_nixpkgs::Index;
use lock2nix_plan::{layout, LayoutInputs};
use lock2nix_testkit::{
    fixture, nix_eval_json, nix_parse, nix_path, require_tool, stub_expr, Overlay,
};

mod common;

/// Where the overrides go and where the workspace is, for [`overlay`].
struct Opts {
    scope: Option<String>,
    global: bool,
    workspace_root: String,
}

/// The default shape (a private interpreter named after the first root), the lock's directory
/// one level up from the overlay.
fn lenient() -> Opts {
    Opts {
        scope: None,
        global: false,
        workspace_root: "./..".into(),
    }
}

/// The overlay for `lock` (its directory is the workspace root) on `systems`; missing hashes
/// become `lib.fakeHash` (as with `--allow-missing-hashes`).
fn overlay(
    lock: &Path,
    python: &str,
    systems: &[&str],
    index: Option<&Index>,
    roots: &[&str],
    opts: Opts,
) -> String {
    let (resolutions, plans) = common::resolve_and_plan(lock, python, systems, index, roots);
    let the_layout = layout(&LayoutInputs {
        scope: opts.scope,
        global: opts.global,
        ..LayoutInputs::for_roots(&resolutions[0])
    })
    .unwrap();
    emit(&EmitOverlay {
        plans: &plans,
        layout: &the_layout,
        workspace_root: &opts.workspace_root,
        source_root: None,
        header: &[],
        envs: &[],
    })
    .unwrap_or_else(|e| panic!("{}: {e}", lock.display()))
}

fn alejandra_fixed_point(name: &str, text: &str) {
    let (status, out) = alejandra::format::in_memory(name.to_owned(), text.to_owned());
    if let alejandra::format::Status::Error(e) = status {
        panic!("{name}: alejandra cannot parse the overlay: {e}");
    }
    if out != text {
        let first = text
            .lines()
            .zip(out.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        panic!(
            "{name}: alejandra changes line {}:\n  ours:      {:?}\n  alejandra: {:?}",
            first + 1,
            text.lines().nth(first),
            out.lines().nth(first)
        );
    }
}

#[test]
fn fixture_overlays_parse_and_are_alejandra_fixed_points() {
    let nix = require_tool("nix-instantiate").is_some();
    let index = Index::read(fixture("nixpkgs-index/authentik-subset.tsv")).unwrap();
    let all = [
        "x86_64-linux",
        "aarch64-linux",
        "x86_64-darwin",
        "aarch64-darwin",
    ];
    let cases: Vec<(&str, &str, &[&str], Option<&Index>)> = vec![
        ("authentik/uv.lock", "3.13", &all, Some(&index)),
        ("authentik/uv.lock", "3.13", &all[..2], None),
        ("locks/top-300/uv.lock", "3.12", &all, None),
        ("locks/top-1000/uv.lock", "3.12", &all[..2], None),
        ("locks/top-1500/uv.lock", "3.12", &all[..2], None),
        ("locks/workspace-mixed/uv.lock", "3.12", &all, None),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (i, (lock, py, systems, index)) in cases.into_iter().enumerate() {
        let text = overlay(&fixture(lock), py, systems, index, &[], lenient());
        alejandra_fixed_point(lock, &text);
        if nix {
            let f = dir.path().join(format!("{i}.nix"));
            std::fs::write(&f, &text).unwrap();
            nix_parse(&f).unwrap_or_else(|e| panic!("{lock}: {e}"));
        }
    }
}

/// A lock whose package differs per system: nixpkgs has the Linux version (reuse there), macOS
/// pins another (override), and a wheel-only package exists only on Linux.
#[test]
fn per_system_choices_survive_the_merge() {
    let Some(_) = require_tool("nix-instantiate") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let h = |c: char| format!("sha256:{}", c.to_string().repeat(64));
    let lock = format!(
        r#"version = 1
revision = 3
requires-python = ">=3.12"
resolution-markers = [
    "sys_platform == 'linux'",
    "sys_platform != 'linux'",
]

[[package]]
name = "app"
version = "1.0"
source = {{ virtual = "." }}
dependencies = [
    {{ name = "foo", version = "1.0", source = {{ registry = "https://pypi.org/simple" }}, marker = "sys_platform == 'linux'" }},
    {{ name = "foo", version = "2.0", source = {{ registry = "https://pypi.org/simple" }}, marker = "sys_platform != 'linux'" }},
    {{ name = "linuxonly", marker = "sys_platform == 'linux'" }},
]

[[package]]
name = "foo"
version = "1.0"
source = {{ registry = "https://pypi.org/simple" }}
resolution-markers = ["sys_platform == 'linux'"]
sdist = {{ url = "https://files.example/foo-1.0.tar.gz", hash = "{a}" }}

[[package]]
name = "foo"
version = "2.0"
source = {{ registry = "https://pypi.org/simple" }}
resolution-markers = ["sys_platform != 'linux'"]
sdist = {{ url = "https://files.example/foo-2.0.tar.gz", hash = "{b}" }}

[[package]]
name = "linuxonly"
version = "3.0"
source = {{ registry = "https://pypi.org/simple" }}
wheels = [
    {{ url = "https://files.example/linuxonly-3.0-py3-none-manylinux_2_17_x86_64.whl", hash = "{c}" }},
    {{ url = "https://files.example/linuxonly-3.0-py3-none-manylinux_2_17_aarch64.whl", hash = "{d}" }},
]
"#,
        a = h('a'),
        b = h('b'),
        c = h('c'),
        d = h('d')
    );
    std::fs::write(dir.path().join("uv.lock"), lock).unwrap();
    let tsv = "pypi_name\tattr\tpname\tversion\tnixpkgs_commit\tnote\nfoo\tfoo\tFoo\t1.0\t\t\n";
    std::fs::write(dir.path().join("index.tsv"), tsv).unwrap();
    std::fs::write(
        dir.path().join("index.json"),
        r#"[{"attr":"foo","pname":"Foo","version":"1.0"}]"#,
    )
    .unwrap();
    let unknown = Index::read(dir.path().join("index.tsv")).unwrap();
    // the same recipe, known to survive a version swap (a plain fetchPypi sdist build)
    let mut safe = unknown.clone();
    let mut foo = safe.get("foo").unwrap().clone();
    foo.features = lock2nix_nixpkgs::RecipeFeatures {
        src_fetcher: Some(lock2nix_nixpkgs::SrcFetcher::FetchPypi),
        rust_vendor: Some(false),
        patches: Some(false),
        source_root: Some(false),
        substitutions: Some(false),
        custom_check: Some(false),
        eval_assert: Some(false),
        family: None,
        family_passthru: None,
        runs_tests: Some(false),
        format: Some(lock2nix_nixpkgs::RecipeFormat::Pyproject),
        native_build_inputs: Some(vec![]),
        build_inputs: Some(vec![]),
    };
    safe.insert(foo);
    let systems = ["x86_64-linux", "aarch64-linux", "aarch64-darwin"];
    for (index, swap_keeps_recipe) in [(&unknown, false), (&safe, true)] {
        let text = overlay(
            &dir.path().join("uv.lock"),
            "3.12",
            &systems,
            Some(index),
            &["app"],
            lenient(),
        );

        alejandra_fixed_point("forks", &text);
        assert!(
            text.contains("nixpkgs' own package on x86_64-linux, aarch64-linux"),
            "{text}"
        );
        assert!(
            text.contains("only in the lock's closure on x86_64-linux, aarch64-linux"),
            "{text}"
        );
        let f = dir.path().join("o.nix");
        std::fs::write(&f, &text).unwrap();
        for s in systems {
            let e = format!(
            "let p = {}; ps = p.appPython.pkgs; in {{ foo = {{ inherit (ps.foo) version pname; url = ps.foo.src.url or ps.foo.src.args.url; check = ps.foo.doCheck or null; }}; deps = map (d: d.pname + \"=\" + d.version) ps.app.dependencies; lo = if ps ? linuxonly then {{ url = ps.linuxonly.src.args.url; out = ps.linuxonly.outPath; }} else null; global = p.python312.pkgs ? app; }}",
            stub_expr(s, Overlay::File(&f), Some(&dir.path().join("index.json")))
        );
            let v = nix_eval_json(&e).unwrap();
            let linux = s.ends_with("-linux");
            let arch = if s.starts_with("x86_64") {
                "x86_64"
            } else {
                "aarch64"
            };
            assert_eq!(
                v["foo"]["version"],
                if linux { "1.0" } else { "2.0" },
                "{s}: {v}"
            );
            assert_eq!(v["global"], false, "{s}: nixpkgs' own set is unchanged");
            if linux || swap_keeps_recipe {
                assert_eq!(v["foo"]["pname"], "Foo", "{s}: nixpkgs' recipe");
            } else {
                assert_eq!(v["foo"]["pname"], "foo", "{s}: a fresh derivation");
            }
            if !linux && swap_keeps_recipe {
                assert_eq!(v["foo"]["check"], false, "{s}: nixpkgs' tests are off");
            }
            if linux {
                assert_eq!(
                    v["foo"]["url"],
                    "https://files.pythonhosted.org/packages/source/F/Foo/Foo-1.0.tar.gz",
                    "{s}: nixpkgs' own src"
                );
                assert_eq!(
                    v["deps"],
                    serde_json::json!(["Foo=1.0", "linuxonly=3.0"]),
                    "{s}"
                );
                assert_eq!(
                    v["lo"]["url"],
                    format!(
                        "https://files.example/linuxonly-3.0-py3-none-manylinux_2_17_{arch}.whl"
                    ),
                    "{s}"
                );
            } else {
                assert_eq!(
                    v["foo"]["url"], "https://files.example/foo-2.0.tar.gz",
                    "{s}"
                );
                let want = if swap_keeps_recipe {
                    "Foo=2.0"
                } else {
                    "foo=2.0"
                };
                assert_eq!(v["deps"], serde_json::json!([want]), "{s}");
            }
        }
    }
}

/// Characters that must stay data: quotes, `${`, `''`, backslashes, `#`, newlines, spaces.
const HOSTILE: &str = "a \"q\" ${x} ''y'' \\z #h $ '${";
/// The same without `#` (a URL fragment) for URL paths.
const HOSTILE_URL: &str = "a \"q\" ${x} ''y'' \\z $ '${";

#[test]
fn hostile_strings_from_the_lock_stay_strings() {
    let Some(_) = require_tool("nix-instantiate") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // an editable member whose directory name is hostile (with a newline)
    let member = format!("pkgs/{HOSTILE}\nline2");
    let member_dir = dir.path().join(&member);
    std::fs::create_dir_all(&member_dir).unwrap();
    std::fs::write(member_dir.join("setup.py"), "").unwrap();
    let wheel_url =
        format!("https://files.example/{HOSTILE_URL}/%24%7Bx%7D/foo-1.0+loc.al-py3-none-any.whl");
    let sdist_url = format!("https://files.example/{HOSTILE_URL}/bar-2.0.tar.gz?x=\"${{y}}\"");
    let git_repo = "https://git.example/o%22w/re''po$x.git";
    let commit = "0123456789abcdef0123456789abcdef01234567";
    let toml_str = |s: &str| {
        let mut o = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => o.push_str("\\\""),
                '\\' => o.push_str("\\\\"),
                '\n' => o.push_str("\\n"),
                c => o.push(c),
            }
        }
        o.push('"');
        o
    };
    let h = |c: char| format!("sha256:{}", c.to_string().repeat(64));
    let lock = format!(
        r#"version = 1
revision = 3
requires-python = ">=3.12"

[[package]]
name = "app"
version = "1.0"
source = {{ virtual = "." }}
dependencies = [
    {{ name = "foo", extra = ["x-y"] }},
    {{ name = "bar" }},
    {{ name = "member" }},
    {{ name = "gitpkg" }},
    {{ name = "3to2" }},
]

[[package]]
name = "3to2"
version = "1.1.1"
source = {{ registry = "https://pypi.org/simple" }}
sdist = {{ url = "https://files.example/3to2-1.1.1.zip", hash = "{b}" }}

[[package]]
name = "foo"
version = "1.0+loc.al"
source = {{ registry = "https://pypi.org/simple" }}
wheels = [{{ url = {wurl}, hash = "{a}" }}]

[package.optional-dependencies]
x-y = [{{ name = "bar" }}]

[[package]]
name = "bar"
version = "2.0"
source = {{ url = {surl} }}
sdist = {{ hash = "{b}" }}

[[package]]
name = "member"
version = "0.1"
source = {{ editable = {mpath} }}

[[package]]
name = "gitpkg"
version = "0.3"
source = {{ git = {gurl} }}
"#,
        wurl = toml_str(&wheel_url),
        surl = toml_str(&sdist_url),
        mpath = toml_str(&member),
        gurl = toml_str(&format!("{git_repo}?rev=main#{commit}")),
        a = h('a'),
        b = h('b'),
    );
    std::fs::write(dir.path().join("uv.lock"), &lock).unwrap();
    let nixdir = dir.path().join("nix");
    std::fs::create_dir_all(&nixdir).unwrap();
    let text = overlay(
        &dir.path().join("uv.lock"),
        "3.12",
        &["x86_64-linux", "aarch64-darwin"],
        None,
        &["app"],
        lenient(),
    );
    alejandra_fixed_point("hostile", &text);
    let f = nixdir.join("o.nix");
    std::fs::write(&f, &text).unwrap();
    nix_parse(&f).unwrap();
    for s in ["x86_64-linux", "aarch64-darwin"] {
        let e = format!(
            r#"let ps = {stub}.appPython.pkgs; in {{
  foo = {{ inherit (ps.foo) version pname; url = ps.foo.src.args.url; name = ps.foo.src.name; out = ps.foo.outPath; extra = map (d: d.pname) ps.foo.optional-dependencies.x-y; }};
  bar = {{ url = ps.bar.src.args.url; out = ps.bar.outPath; }};
  member = {{ src = ps.member.src; want = builtins.path {{ path = {mpath}; name = "member-source"; }}; out = ps.member.outPath; }};
  git = {{ inherit (ps.gitpkg.src.args) url rev; out = ps.gitpkg.outPath; }};
  app = ps.app.outPath;
  # an attribute that is not a Nix identifier
  digit = {{ inherit (ps."3to2") version pname; deps = map (d: d.pname) ps.app.dependencies; }};
}}"#,
            stub = stub_expr(s, Overlay::File(&f), None),
            mpath = nix_path(&member_dir),
        );
        let v = nix_eval_json(&e).unwrap_or_else(|e| panic!("{s}: {e}\n{text}"));
        assert_eq!(v["foo"]["url"], wheel_url.as_str());
        assert_eq!(v["foo"]["version"], "1.0+loc.al");
        assert_eq!(v["foo"]["pname"], "foo");
        assert_eq!(
            v["foo"]["name"], "foo-1.0+loc.al-py3-none-any.whl",
            "decoded, store-safe name"
        );
        assert_eq!(v["foo"]["extra"], serde_json::json!(["bar"]));
        assert_eq!(v["bar"]["url"], sdist_url.as_str());
        assert_eq!(
            v["member"]["src"], v["member"]["want"],
            "in-tree source at the member directory"
        );
        assert_eq!(v["git"]["url"], git_repo);
        assert_eq!(v["git"]["rev"], commit);
        assert_eq!(v["digit"]["version"], "1.1.1");
        assert_eq!(v["digit"]["pname"], "3to2");
        assert!(strs_contain(&v["digit"]["deps"], "3to2"), "{v}");
    }
    // nothing from the lock appears outside a string: the only `${` are the overlay's own
    for line in text.lines() {
        if line.contains("${") && !line.trim_start().starts_with('#') {
            assert!(
                line.contains("\\${")
                    || line.contains("''${")
                    || line.contains("${system}")
                    || line.contains("${src.name}"),
                "unescaped interpolation: {line}"
            );
        }
    }
}

#[test]
fn scope_mode_needs_no_extensions() {
    let Some(_) = require_tool("nix-instantiate") else {
        return;
    };
    let lock = fixture("locks/workspace-mixed/uv.lock");
    let root = fixture("locks/workspace-mixed").display().to_string();
    let dir = tempfile::tempdir().unwrap();
    let f: PathBuf = dir.path().join("o.nix");
    // the default: a private interpreter named after the root; a configured name
    for (scope, attr) in [
        (None, "mixedRootPython"),
        (Some("mixedPython"), "mixedPython"),
    ] {
        let opts = Opts {
            scope: scope.map(str::to_string),
            global: false,
            workspace_root: root.clone(),
        };
        let text = overlay(&lock, "3.12", &["x86_64-linux"], None, &[], opts);
        std::fs::write(&f, &text).unwrap();
        let e = format!(
            "let p = {}; in {{ scoped = p.{attr}.pkgs.mixed-core.version; top = p.mixed-core.version; ext = builtins.length p.pythonPackagesExtensions; global = p.python312.pkgs ? mixed-core; }}",
            stub_expr("x86_64-linux", Overlay::File(&f), None)
        );
        let v = nix_eval_json(&e).unwrap();
        assert_eq!(
            v,
            serde_json::json!({ "scoped": "0.3.1", "top": "0.3.1", "ext": 0, "global": false })
        );
    }
    // --global: nixpkgs' own Python 3.12 sets get the overrides
    let opts = Opts {
        scope: None,
        global: true,
        workspace_root: root,
    };
    let text = overlay(&lock, "3.12", &["x86_64-linux"], None, &[], opts);
    std::fs::write(&f, &text).unwrap();
    let e = format!(
        "let p = {}; in {{ top = p.mixed-core.version; ext = builtins.length p.pythonPackagesExtensions; global = p.python312.pkgs ? mixed-core; }}",
        stub_expr("x86_64-linux", Overlay::File(&f), None)
    );
    assert_eq!(
        nix_eval_json(&e).unwrap(),
        serde_json::json!({ "top": "0.3.1", "ext": 1, "global": true })
    );
}

fn strs_contain(v: &serde_json::Value, s: &str) -> bool {
    v.as_array().is_some_and(|a| a.iter().any(|x| x == s))
}
