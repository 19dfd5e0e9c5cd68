//! What a nixpkgs recipe does that decides whether swapping its `version` and `src` (with
//! `overridePythonAttrs`) can still build.
//!
//! Every field is `None` when unknown (an index without feature columns, a recipe the scan could
//! not read); the plan treats unknown as unsafe. See `docs/overlay-shape.md` for what lock2nix
//! emits for each feature.

use std::fmt;

/// How a recipe fetches its `src`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SrcFetcher {
    /// `fetchPypi { pname; version; hash; }` (an sdist or wheel from PyPI's file host).
    FetchPypi,
    /// `fetchurl { url; hash; }`.
    Fetchurl,
    /// `fetchFromGitHub`.
    FetchFromGitHub,
    /// `fetchFromGitLab`.
    FetchFromGitLab,
    Fetchgit,
    /// Any other fetcher or expression (named as written).
    Other(String),
}

impl SrcFetcher {
    /// The spelling in index files (`fetchPypi`, …, or the other expression's name).
    pub fn as_str(&self) -> &str {
        match self {
            SrcFetcher::FetchPypi => "fetchPypi",
            SrcFetcher::Fetchurl => "fetchurl",
            SrcFetcher::FetchFromGitHub => "fetchFromGitHub",
            SrcFetcher::FetchFromGitLab => "fetchFromGitLab",
            SrcFetcher::Fetchgit => "fetchgit",
            SrcFetcher::Other(s) => s,
        }
    }

    /// Parses [`SrcFetcher::as_str`]'s spelling; anything else is [`SrcFetcher::Other`].
    pub fn parse(s: &str) -> SrcFetcher {
        match s {
            "fetchPypi" => SrcFetcher::FetchPypi,
            "fetchurl" => SrcFetcher::Fetchurl,
            "fetchFromGitHub" => SrcFetcher::FetchFromGitHub,
            "fetchFromGitLab" => SrcFetcher::FetchFromGitLab,
            "fetchgit" => SrcFetcher::Fetchgit,
            other => SrcFetcher::Other(other.to_string()),
        }
    }

    /// Whether a recipe fetching this way builds from a release archive that the lock's sdist
    /// can replace (PyPI or a plain URL). A repository checkout (GitHub, GitLab, git) has files
    /// that sdists leave out (tests, tooling) which the recipe's phases may use.
    pub fn is_release_archive(&self) -> bool {
        matches!(self, SrcFetcher::FetchPypi | SrcFetcher::Fetchurl)
    }
}

impl fmt::Display for SrcFetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether `s` can be an item of an input list: a Nix identifier or selection
/// (`rustPlatform.cargoSetupHook`) or a derivation name: only `A-Z a-z 0-9 + - . _ ? = '`, not
/// empty and not `-` alone (the index file's spelling of an empty list).
pub fn is_input_name(s: &str) -> bool {
    !s.is_empty()
        && s != "-"
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'+' | b'-' | b'.' | b'_' | b'?' | b'=' | b'\'')
        })
}

/// How a recipe builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RecipeFormat {
    /// `pyproject = true` (PEP 517 with `build-system`).
    Pyproject,
    /// `format = "setuptools"` (or the legacy default).
    Setuptools,
    /// `format = "wheel"`: the recipe installs a wheel.
    Wheel,
    /// `format = "other"` / `pyproject = false`: hand-written phases.
    Other,
}

impl RecipeFormat {
    /// The spelling in index files.
    pub fn as_str(self) -> &'static str {
        match self {
            RecipeFormat::Pyproject => "pyproject",
            RecipeFormat::Setuptools => "setuptools",
            RecipeFormat::Wheel => "wheel",
            RecipeFormat::Other => "other",
        }
    }

    /// Parses [`RecipeFormat::as_str`]'s spelling.
    pub fn parse(s: &str) -> Option<RecipeFormat> {
        Some(match s {
            "pyproject" => RecipeFormat::Pyproject,
            "setuptools" => RecipeFormat::Setuptools,
            "wheel" => RecipeFormat::Wheel,
            "other" => RecipeFormat::Other,
            _ => return None,
        })
    }
}

/// The recipe facts that decide whether a version swap is safe. `None` = unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecipeFeatures {
    /// How `src` is fetched.
    pub src_fetcher: Option<SrcFetcher>,
    /// Rust code vendored from the recipe's own src (`cargoDeps`, `cargoHash`, `fetchCargoVendor`,
    /// `importCargoLock`, `cargoSetupHook`, `maturinBuildHook`): a new src needs new vendoring.
    pub rust_vendor: Option<bool>,
    /// A non-empty `patches` list (written against nixpkgs' version).
    pub patches: Option<bool>,
    /// `sourceRoot` set (a sub-directory of a repository checkout).
    pub source_root: Option<bool>,
    /// `postPatch`/`prePatch`/`preBuild` editing sources (`substituteInPlace`, `sed -i`, …) for
    /// nixpkgs' version.
    pub substitutions: Option<bool>,
    /// A custom `checkPhase`/`installCheckPhase`/`preCheck` (tests that may need the repository).
    pub custom_check: Option<bool>,
    /// The recipe runs tests by default: `doCheck` is not `false` and it has check inputs
    /// (`nativeCheckInputs`/`checkInputs`) or a check phase. A version swap that keeps them runs
    /// nixpkgs' test setup against another version's files; the swap must say `doCheck = false`.
    /// Not a [`SwapBlocker`]: the swap lock2nix emits always turns the tests off.
    pub runs_tests: Option<bool>,
    /// An `assert` (or `throw`) the recipe evaluates that can depend on the version (protobuf's
    /// major must match the C++ library's).
    pub eval_assert: Option<bool>,
    /// The attribute this recipe shares its source with: it inherits `version`/`src` from it or is
    /// its passthru child (`psycopg-c` → `psycopg`, `opentelemetry-sdk` → `opentelemetry-api`).
    /// `None` here is "none known"; [`RecipeFeatures::known`] says whether the recipe was read.
    pub family: Option<String>,
    /// When the recipe is a passthru attribute of its family's parent (`psycopg-c = psycopg.c;`):
    /// that attribute's name (`c`). Such a child is built from the parent recipe's own `version`
    /// and `src`, so overriding the parent does not move it; a sibling that writes
    /// `inherit (X) version src` (`None` here) follows `X` of the final package set.
    pub family_passthru: Option<String>,
    /// `pyproject`/`format`.
    pub format: Option<RecipeFormat>,
    /// The non-Python inputs in `nativeBuildInputs` (and `build-system`, which
    /// `buildPythonPackage` adds to them): tools and hooks a fresh derivation of the package needs
    /// too (`pkg-config`, `cmake`, `cargo`, `rustPlatform.cargoSetupHook`). The scan records the
    /// identifiers as written, on every platform (also those under `lib.optionals`), leaving out
    /// attributes of the Python set; the evaluation records the
    /// `pname` of each input that is not a Python module, the interpreter or one of
    /// `buildPythonPackage`'s own hooks (usually the attribute name, not always:
    /// `pkg-config-wrapper`). Sorted, deduplicated; `Some(vec![])` = known to be none.
    pub native_build_inputs: Option<Vec<String>>,
    /// The non-Python inputs in `buildInputs` (native libraries: `openssl`, `libffi`, …), recorded
    /// like [`RecipeFeatures::native_build_inputs`].
    pub build_inputs: Option<Vec<String>>,
}

/// Why a version swap of a recipe cannot be trusted to build.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SwapBlocker {
    /// The index does not know this feature of the recipe.
    Unknown(&'static str),
    /// Rust vendored from the recipe's own src.
    RustVendor,
    /// Patches written for nixpkgs' version.
    Patches,
    /// `sourceRoot` into a repository layout.
    SourceRoot,
    /// Source edits written for nixpkgs' version.
    Substitutions,
    /// A custom check phase.
    CustomCheck,
    /// An evaluation-time assert.
    EvalAssert,
    /// Shares its source with another attribute.
    Family(String),
    /// Fetches something other than a release archive.
    Fetcher(SrcFetcher),
    /// Installs a wheel, or has hand-written phases.
    Format(RecipeFormat),
}

impl fmt::Display for SwapBlocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SwapBlocker::Unknown(what) => write!(f, "{what} unknown"),
            SwapBlocker::RustVendor => f.write_str("Rust vendored from its src"),
            SwapBlocker::Patches => f.write_str("patches"),
            SwapBlocker::SourceRoot => f.write_str("sourceRoot"),
            SwapBlocker::Substitutions => f.write_str("source edits"),
            SwapBlocker::CustomCheck => f.write_str("custom check phase"),
            SwapBlocker::EvalAssert => f.write_str("evaluation-time assert"),
            SwapBlocker::Family(a) => write!(f, "shares its source with {a}"),
            SwapBlocker::Fetcher(x) => write!(f, "src from {x}"),
            SwapBlocker::Format(x) => write!(f, "format {}", x.as_str()),
        }
    }
}

impl RecipeFeatures {
    /// Whether anything is known about the recipe (an index with feature columns read it).
    pub fn known(&self) -> bool {
        self.src_fetcher.is_some()
            || self.rust_vendor.is_some()
            || self.patches.is_some()
            || self.source_root.is_some()
            || self.substitutions.is_some()
            || self.custom_check.is_some()
            || self.runs_tests.is_some()
            || self.eval_assert.is_some()
            || self.format.is_some()
            || self.native_build_inputs.is_some()
            || self.build_inputs.is_some()
    }

    /// Sorts and deduplicates the input lists and drops items that cannot be written to an
    /// index file (see [`is_input_name`]).
    pub fn normalise(&mut self) {
        for list in [&mut self.native_build_inputs, &mut self.build_inputs]
            .into_iter()
            .flatten()
        {
            list.retain(|s| is_input_name(s));
            list.sort();
            list.dedup();
        }
        for s in [&mut self.family, &mut self.family_passthru]
            .into_iter()
            .flatten()
        {
            if s.contains('\0') {
                *s = s.replace('\0', "\u{fffd}");
            }
        }
        if let Some(SrcFetcher::Other(s)) = &mut self.src_fetcher {
            if s.contains('\0') {
                *s = s.replace('\0', "\u{fffd}");
            }
        }
        if self.family.as_deref() == Some("") {
            self.family = None;
        }
        if self.family_passthru.as_deref() == Some("") || self.family.is_none() {
            self.family_passthru = None;
        }
    }

    /// Everything that makes `overridePythonAttrs (old: { version; src; doCheck = false; })`
    /// with the lock's sdist unsafe; empty when the swap is known to be safe. Unknown features
    /// are blockers. (The custom check phase blocks too: `doCheck = false` skips `checkPhase`
    /// but not every hook a custom phase set up.)
    pub fn swap_blockers(&self) -> Vec<SwapBlocker> {
        let mut out = Vec::new();
        match &self.src_fetcher {
            None => out.push(SwapBlocker::Unknown("src fetcher")),
            Some(f) if !f.is_release_archive() => out.push(SwapBlocker::Fetcher(f.clone())),
            Some(_) => {}
        }
        let mut flag = |v: Option<bool>, what: &'static str, b: SwapBlocker| match v {
            None => out.push(SwapBlocker::Unknown(what)),
            Some(true) => out.push(b),
            Some(false) => {}
        };
        flag(self.rust_vendor, "Rust vendoring", SwapBlocker::RustVendor);
        flag(self.patches, "patches", SwapBlocker::Patches);
        flag(self.source_root, "sourceRoot", SwapBlocker::SourceRoot);
        flag(
            self.substitutions,
            "source edits",
            SwapBlocker::Substitutions,
        );
        flag(self.custom_check, "check phase", SwapBlocker::CustomCheck);
        flag(self.eval_assert, "asserts", SwapBlocker::EvalAssert);
        if let Some(family) = &self.family {
            out.push(SwapBlocker::Family(family.clone()));
        }
        match self.format {
            None => out.push(SwapBlocker::Unknown("format")),
            Some(f @ (RecipeFormat::Wheel | RecipeFormat::Other)) => {
                out.push(SwapBlocker::Format(f))
            }
            Some(_) => {}
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn safe() -> RecipeFeatures {
        RecipeFeatures {
            src_fetcher: Some(SrcFetcher::FetchPypi),
            rust_vendor: Some(false),
            patches: Some(false),
            source_root: Some(false),
            substitutions: Some(false),
            custom_check: Some(false),
            runs_tests: Some(true),
            eval_assert: Some(false),
            family: None,
            family_passthru: None,
            format: Some(RecipeFormat::Pyproject),
            native_build_inputs: Some(vec![]),
            build_inputs: Some(vec![]),
        }
    }

    #[test]
    fn unknown_is_unsafe_and_known_plain_recipes_are_safe() {
        assert!(!RecipeFeatures::default().known());
        assert!(!RecipeFeatures::default().swap_blockers().is_empty());
        assert_eq!(safe().swap_blockers(), vec![]);
        let rust = RecipeFeatures {
            rust_vendor: Some(true),
            ..safe()
        };
        assert_eq!(rust.swap_blockers(), vec![SwapBlocker::RustVendor]);
        let child = RecipeFeatures {
            family: Some("psycopg".into()),
            src_fetcher: Some(SrcFetcher::FetchFromGitHub),
            ..safe()
        };
        assert_eq!(
            child.swap_blockers(),
            vec![
                SwapBlocker::Fetcher(SrcFetcher::FetchFromGitHub),
                SwapBlocker::Family("psycopg".into())
            ]
        );
    }
}
