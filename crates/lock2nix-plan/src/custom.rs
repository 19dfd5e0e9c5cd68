//! Per-package customisation that the user's configuration adds to the generated derivations.

use std::collections::BTreeMap;
use std::ops::Deref;
use std::sync::LazyLock;

/// A value that reaches a shell command or a Nix attribute: a literal string (escaped) or Nix code
/// the user wrote in their own configuration (trusted, printed verbatim).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A literal string.
    Str(String),
    /// Verbatim Nix from the configuration, e.g. `placeholder "out"` or `"${pkgs.webui}/"`.
    Nix(String),
}

/// `substituteInPlace FILE --replace-fail FROM TO`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Substitution {
    /// The file, relative to the source root.
    pub file: String,
    /// The text to replace.
    pub from: String,
    /// The replacement.
    pub to: Value,
}

/// A directory or file of the source tree copied into the output after installation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copy {
    /// Relative to the source root.
    pub from: String,
    /// Relative to `$out`, or to the package's site-packages directory when it starts with
    /// `site-packages/`.
    pub to: String,
}

/// What the configuration adds to one package.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Customization {
    /// Extra build backends and build requirements (Python package attributes).
    pub build_system: Vec<String>,
    /// `nativeBuildInputs` (top-level nixpkgs attribute paths, e.g. `pkg-config`).
    pub native_build_inputs: Vec<String>,
    /// `buildInputs` (top-level nixpkgs attribute paths, e.g. `libxml2`, `xorg.libX11`).
    pub build_inputs: Vec<String>,
    /// `propagatedBuildInputs` (top-level nixpkgs attribute paths).
    pub propagated_build_inputs: Vec<String>,
    /// Extra Python dependencies (Python package attributes).
    pub dependencies: Vec<String>,
    /// Patch files, relative to the workspace root.
    pub patches: Vec<String>,
    /// `postPatch` shell lines: literal strings, or Nix string expressions (trusted).
    pub post_patch: Vec<Value>,
    /// `substituteInPlace` calls, run in `postPatch` (source) or `postInstall` (installed files).
    pub substitutions: Vec<Substitution>,
    /// Substitutions applied to the installed files under site-packages, after installation.
    pub post_install_substitutions: Vec<Substitution>,
    /// `postInstall` shell lines: literal strings, or Nix string expressions (trusted).
    pub post_install: Vec<Value>,
    /// Directories/files to copy into the output.
    pub copy: Vec<Copy>,
    /// `pythonRelaxDeps`: `Some(vec![])` means all (`true`).
    pub python_relax_deps: Option<Vec<String>>,
    /// `pythonRemoveDeps`.
    pub python_remove_deps: Vec<String>,
    /// `doCheck`.
    pub do_check: Option<bool>,
    /// `pythonImportsCheck`.
    pub python_imports_check: Vec<String>,
    /// `outputs` besides `out`.
    pub outputs: Vec<String>,
    /// Build the package with `buildPythonApplication` instead of `buildPythonPackage`.
    pub application: bool,
    /// Override the version the derivation carries (e.g. stamp in-tree helpers with the app's version).
    pub version: Option<String>,
    /// Extra attributes (name → trusted Nix).
    pub extra_attrs: BTreeMap<String, String>,
}

impl Customization {
    /// True when nothing is customised.
    pub fn is_empty(&self) -> bool {
        self == &*NONE
    }
}

/// No customisation (the default one): what an empty [`PackageCustom`] reads as.
static NONE: LazyLock<Customization> = LazyLock::new(Customization::default);

/// One planned package's [`Customization`], boxed only when the configuration has one: nearly
/// every package has none, and a plan holds a thousand packages per system. It reads (through
/// `Deref`) as the customisation, or as an empty one.
#[derive(Debug, Clone, Default)]
pub struct PackageCustom(Option<Box<Customization>>);

impl PackageCustom {
    /// The configuration's customisation of the package, if any.
    pub fn new(custom: Option<Customization>) -> Self {
        PackageCustom(custom.map(Box::new))
    }

    /// The customisation to change, when there is one (an empty one has nothing to take out).
    pub fn get_mut(&mut self) -> Option<&mut Customization> {
        self.0.as_deref_mut()
    }

    /// True when nothing is customised; without a customisation (nearly every package) this
    /// is decided without comparing an empty one field by field.
    pub fn is_empty(&self) -> bool {
        self.0.as_deref().is_none_or(Customization::is_empty)
    }
}

impl Deref for PackageCustom {
    type Target = Customization;

    fn deref(&self) -> &Customization {
        self.0.as_deref().unwrap_or(&*NONE)
    }
}

impl PartialEq for PackageCustom {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            // the common case: neither package is customised
            (None, None) => true,
            _ => **self == **other,
        }
    }
}

impl Eq for PackageCustom {}
