//! `lock2nix index`: write a nixpkgs index file, by evaluating nixpkgs with Nix (`--nixpkgs`) or by a
//! static scan of a nixpkgs source tree (`--scan`). `plan`, `translate` and `prefetch` read it with
//! `--index FILE`.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, Result};
use clap::{ArgGroup, Args};
use lock2nix_nixpkgs::{
    index_from_nix_with, index_from_source_tree, Index, NixEvalOptions, PythonVersion,
};

/// `lock2nix index`.
#[derive(Debug, Args, Clone)]
#[command(group(ArgGroup::new("source").required(true).args(["nixpkgs", "scan"])))]
pub struct IndexArgs {
    /// Evaluate this nixpkgs with Nix: a path, `<nixpkgs>`, or a flake reference (e.g.
    /// `github:NixOS/nixpkgs/<rev>`, which needs network access and `nix` with flakes).
    #[arg(long, value_name = "PATH_OR_FLAKE_REF", requires = "python")]
    pub nixpkgs: Option<String>,
    /// The interpreter to evaluate for (X.Y): decides `disabled` (needed with --nixpkgs).
    #[arg(long, value_name = "X.Y", conflicts_with = "scan")]
    pub python: Option<String>,
    /// Read this nixpkgs source tree without evaluating it: only literal versions are recorded
    /// (the others as expressions), and `disabled` is unknown.
    #[arg(long, value_name = "NIXPKGS_TREE")]
    pub scan: Option<PathBuf>,
    /// With --nixpkgs: force each package's outPath when it has no `disabled` attribute (older
    /// nixpkgs; slow on a full nixpkgs).
    #[arg(long, requires = "nixpkgs")]
    pub check_out_path: bool,
    /// With --nixpkgs: do not probe each package for evaluation-time asserts on its version
    /// (`eval_assert` stays unknown); for a nixpkgs where the probe hits an error Nix cannot catch.
    #[arg(long, requires = "nixpkgs")]
    pub no_assert_probe: bool,
    /// Where to write the index (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// Build the index `args` asks for.
pub fn build(args: &IndexArgs) -> Result<Index> {
    match (&args.nixpkgs, &args.scan) {
        (Some(nixpkgs), None) => {
            let raw = args.python.as_deref().unwrap_or("");
            let python = PythonVersion::from_str(raw)
                .with_context(|| format!("--python {raw:?}: expected X.Y, e.g. 3.13"))?;
            let opts = NixEvalOptions {
                check_out_path: args.check_out_path,
                skip_assert_probe: args.no_assert_probe,
            };
            index_from_nix_with(nixpkgs, python, &opts)
                .with_context(|| format!("cannot evaluate {nixpkgs} for CPython {python}"))
        }
        (None, Some(tree)) => index_from_source_tree(tree)
            .with_context(|| format!("cannot scan the nixpkgs tree {}", tree.display())),
        _ => anyhow::bail!("pass exactly one of --nixpkgs and --scan"),
    }
}

/// Run `lock2nix index`.
pub fn run(args: &IndexArgs) -> Result<()> {
    let index = build(args)?;
    let non_literal = index.iter().filter(|e| e.is_non_literal()).count();
    let failed = index.iter().filter(|e| e.failed).count();
    let featured = index.iter().filter(|e| e.features.known()).count();
    let families = index.iter().filter(|e| e.features.family.is_some()).count();
    let summary = format!(
        "{} entries ({non_literal} without a literal version, {failed} failed to evaluate, {featured} with recipe features, {families} in a family); source: {}, python: {}, nixpkgs: {}",
        index.len(),
        index.meta.source.as_str(),
        index.meta.python.map_or_else(|| "-".to_string(), |p| p.to_string()),
        index.meta.nixpkgs.as_deref().unwrap_or("-"),
    );
    if args.out == Path::new("-") {
        crate::commands::emit(&index.to_tsv())?;
        eprintln!("{summary}");
    } else {
        index
            .write(&args.out)
            .with_context(|| format!("cannot write the index {}", args.out.display()))?;
        eprintln!("{summary}");
        eprintln!("wrote {}", args.out.display());
    }
    Ok(())
}
