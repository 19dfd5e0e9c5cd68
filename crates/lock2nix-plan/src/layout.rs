//! The overlay's shape: where the Python packages go (a private interpreter, or every package set
//! of the target interpreter) and under which top-level names the roots are exposed.

use std::collections::BTreeMap;

use lock2nix_nixpkgs::{Index, Scope};
use pep508_rs::PackageName;

/// Where the Python overrides go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// A private interpreter `pkgs.NAME` = `pythonXY.override { self; packageOverrides; }`, like
    /// nixpkgs' authentik: nothing of nixpkgs' own Python sets changes.
    Scope(String),
    /// Appended to `pythonPackagesExtensions`: every package set of the target interpreter in
    /// this nixpkgs gets the overrides.
    Global,
}

/// A root exposed at the top level: `pkgs.<name>` = the interpreter's `<attr>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// The top-level attribute.
    pub name: String,
    /// The Python package attribute.
    pub attr: String,
}

/// The overlay's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Where the overrides go.
    pub mode: Mode,
    /// The roots at the top level, sorted by name.
    pub exports: Vec<Export>,
    /// With [`Mode::Global`], the top-level attribute holding the environments
    /// (`<root>Envs`); with a private interpreter they are its `envs`.
    pub envs_attr: Option<String>,
}

/// What the shape is decided from.
#[derive(Debug, Clone, Default)]
pub struct LayoutInputs<'a> {
    /// The roots (Python attributes).
    pub roots: Vec<PackageName>,
    /// The configured interpreter name (`--scope`, `[nixpkgs] scope`).
    pub scope: Option<String>,
    /// `--global`: extend nixpkgs' own Python sets instead.
    pub global: bool,
    /// Configured top-level names per root (`[packages.NAME] top-level`).
    pub top_level: BTreeMap<PackageName, String>,
    /// The index, for the top-level names nixpkgs has.
    pub index: Option<&'a Index>,
}

impl LayoutInputs<'_> {
    /// The defaults for a resolution's roots: a private interpreter named after the workspace's
    /// root project (the one at `.`) when it is a root, else the first root; each root under its
    /// own name.
    pub fn for_roots(res: &lock2nix_resolve::Resolution) -> Self {
        use lock2nix_resolve::Artifact;
        let at_top = |r: usize| {
            matches!(
                &res.packages[r].artifact,
                Artifact::Editable(d) | Artifact::Directory(d) | Artifact::Virtual(d)
                    if d.trim_end_matches('/') == "." || d.is_empty()
            )
        };
        let mut roots: Vec<usize> = res.roots.clone();
        roots.sort_by_key(|&r| !at_top(r));
        LayoutInputs {
            roots: roots
                .iter()
                .map(|&r| res.packages[r].name.clone())
                .collect(),
            ..LayoutInputs::default()
        }
    }
}

/// Why the shape cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// A name is not a Nix identifier.
    #[error("{what} `{name}` is not a Nix identifier (letters, digits, `_`, `-`, `'`; not starting with a digit or `-`)")]
    NotIdentifier {
        /// What the name is for.
        what: String,
        /// The name.
        name: String,
    },
    /// A name would replace a nixpkgs attribute.
    #[error("{what} `{name}` would replace nixpkgs' top-level `{name}`{why}; {hint}")]
    Shadows {
        /// What the name is for.
        what: String,
        /// The name.
        name: String,
        /// How lock2nix knows nixpkgs has it.
        why: String,
        /// What to do.
        hint: String,
    },
    /// Two roots get one name.
    #[error("the roots {first} and {second} would both be exposed as `{name}`; give one another name with `[packages.{second}] top-level = \"…\"` in lock2nix.toml")]
    Duplicate {
        /// The name.
        name: String,
        /// One root.
        first: String,
        /// The other.
        second: String,
    },
}

/// Top-level names of every nixpkgs that an overlay must never replace (the package set's own
/// machinery and the interpreters), whatever the index says.
pub const RESERVED: [&str; 36] = [
    "buildEnv",
    "buildPackages",
    "callPackage",
    "config",
    "fetchFromGitHub",
    "fetchPypi",
    "fetchgit",
    "fetchurl",
    "fetchzip",
    "lib",
    "mkShell",
    "newScope",
    "pkgs",
    "python",
    "python3",
    "python3Packages",
    "python310",
    "python310Packages",
    "python311",
    "python311Packages",
    "python312",
    "python312Packages",
    "python313",
    "python313Packages",
    "python314",
    "python314Packages",
    "pythonPackages",
    "pythonPackagesExtensions",
    "runCommand",
    "rustPlatform",
    "stdenv",
    "system",
    "writeShellScript",
    "writeText",
    "cargo",
    "rustc",
];

/// `my-app` → `myApp`: the default interpreter name is this plus `Python`.
fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '-' || c == '_' || c == '.' {
            upper = !out.is_empty();
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn nixpkgs_has(index: Option<&Index>, name: &str) -> Option<String> {
    if RESERVED.contains(&name) {
        return Some(" (part of every nixpkgs)".to_string());
    }
    let e = index?.get_in(name, Scope::TopLevel)?;
    Some(match &e.version {
        Some(v) => format!(" ({} {v} in the nixpkgs index)", e.pname),
        None => " (in the nixpkgs index)".to_string(),
    })
}

/// Decide the shape.
pub fn layout(inputs: &LayoutInputs<'_>) -> Result<Layout, LayoutError> {
    let base = inputs
        .roots
        .first()
        .map_or_else(|| "project".to_string(), |r| camel(r.as_ref()));
    let mut envs_attr = None;
    let mode = if inputs.global {
        let name = format!("{base}Envs");
        if !lock2nix_nix::is_identifier(&name) {
            return Err(LayoutError::NotIdentifier {
                what: "the environments' attribute".to_string(),
                name,
            });
        }
        if let Some(why) = nixpkgs_has(inputs.index, &name) {
            return Err(LayoutError::Shadows {
                what: "the environments' attribute".to_string(),
                name,
                why,
                hint:
                    "use a private interpreter (drop --global); its environments are `<scope>.envs`"
                        .to_string(),
            });
        }
        envs_attr = Some(name);
        Mode::Global
    } else {
        let (name, configured) = match &inputs.scope {
            Some(s) => (s.clone(), true),
            None => (format!("{base}Python"), false),
        };
        if !lock2nix_nix::is_identifier(&name) {
            return Err(LayoutError::NotIdentifier {
                what: "the interpreter name".to_string(),
                name,
            });
        }
        if let Some(why) = nixpkgs_has(inputs.index, &name) {
            return Err(LayoutError::Shadows {
                what: "the interpreter name".to_string(),
                name,
                why,
                hint: if configured {
                    "choose another with --scope or `[nixpkgs] scope`".to_string()
                } else {
                    "name it with --scope NAME or `[nixpkgs] scope = \"…\"` in lock2nix.toml"
                        .to_string()
                },
            });
        }
        Mode::Scope(name)
    };
    let mut exports: Vec<Export> = Vec::with_capacity(inputs.roots.len());
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for root in &inputs.roots {
        let configured = inputs.top_level.get(root);
        let name = configured.cloned().unwrap_or_else(|| root.to_string());
        if !lock2nix_nix::is_identifier(&name) {
            return Err(LayoutError::NotIdentifier {
                what: format!("the top-level name of {root}"),
                name,
            });
        }
        let clash = nixpkgs_has(inputs.index, &name)
            .or_else(|| (mode == Mode::Scope(name.clone())).then(|| " (the interpreter)".into()))
            .or_else(|| (envs_attr.as_ref() == Some(&name)).then(|| " (the environments)".into()));
        if let Some(why) = clash {
            return Err(LayoutError::Shadows {
                what: format!("the root {root}"),
                name,
                why,
                hint: format!(
                    "expose it under another name with `[packages.{root}] top-level = \"{root}-python\"` (or any free name) in lock2nix.toml"
                ),
            });
        }
        if let Some(first) = seen.insert(name.clone(), root.to_string()) {
            return Err(LayoutError::Duplicate {
                name,
                first,
                second: root.to_string(),
            });
        }
        exports.push(Export {
            name,
            attr: root.to_string(),
        });
    }
    exports.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Layout {
        mode,
        exports,
        envs_attr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn name(s: &str) -> PackageName {
        PackageName::from_str(s).unwrap()
    }

    #[test]
    fn default_scope_and_exports() {
        let l = layout(&LayoutInputs {
            roots: vec![name("my-app")],
            ..Default::default()
        })
        .unwrap();
        assert_eq!(l.mode, Mode::Scope("myAppPython".into()));
        assert_eq!(
            l.exports,
            vec![Export {
                name: "my-app".into(),
                attr: "my-app".into()
            }]
        );
    }

    #[test]
    fn shadowing_is_refused_with_a_hint_that_works() {
        let err = layout(&LayoutInputs {
            roots: vec![name("lib")],
            ..Default::default()
        })
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("`[packages.lib] top-level = "), "{text}");
        let mut idx = Index::new(lock2nix_nixpkgs::IndexMeta::new(
            lock2nix_nixpkgs::IndexSource::Tsv,
        ));
        let mut e =
            lock2nix_nixpkgs::Entry::new("authentik", "authentik", Some("2025.12.4".into()));
        e.scope = Scope::TopLevel;
        idx.insert(e);
        let roots = vec![name("authentik")];
        let err = layout(&LayoutInputs {
            roots: roots.clone(),
            index: Some(&idx),
            ..Default::default()
        })
        .unwrap_err();
        assert!(matches!(err, LayoutError::Shadows { .. }), "{err}");
        // the hint's fix works
        let mut top_level = BTreeMap::new();
        top_level.insert(name("authentik"), "authentik-python".to_string());
        let l = layout(&LayoutInputs {
            roots,
            index: Some(&idx),
            top_level,
            ..Default::default()
        })
        .unwrap();
        assert_eq!(l.exports[0].name, "authentik-python");
        assert_eq!(l.mode, Mode::Scope("authentikPython".into()));
    }

    #[test]
    fn bad_names() {
        assert!(layout(&LayoutInputs {
            roots: vec![name("a")],
            scope: Some("1x".into()),
            ..Default::default()
        })
        .is_err());
        assert!(layout(&LayoutInputs {
            roots: vec![name("a")],
            scope: Some("python3".into()),
            ..Default::default()
        })
        .is_err());
    }
}
