//! `lock2nix-synth PACKAGES DIR [SEED]`: write a synthetic project (`uv.lock` and
//! `pyproject.toml`) of about PACKAGES lock entries into DIR (see `lock2nix_bench::synth`).
//! `lock2nix-synth --dense PACKAGES DIR`: PACKAGES packages that all depend on each other
//! (`lock2nix_bench::dense`).

use std::path::PathBuf;
use std::process::ExitCode;

use lock2nix_bench::{dense_project, synth_project, SynthSpec};

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let dense = args.first().is_some_and(|a| a == "--dense");
    if dense {
        args.remove(0);
    }
    let usage = "usage: lock2nix-synth [--dense] PACKAGES DIR [SEED]";
    let (Some(count), Some(dir)) = (args.first(), args.get(1)) else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    let Ok(packages) = count.parse::<usize>() else {
        eprintln!("{usage}: PACKAGES must be a number, not {count:?}");
        return ExitCode::from(2);
    };
    let mut spec = SynthSpec::new(packages);
    if let Some(seed) = args.get(2) {
        match seed.parse::<u64>() {
            Ok(s) => spec.seed = s,
            Err(_) => {
                eprintln!("{usage}: SEED must be a number, not {seed:?}");
                return ExitCode::from(2);
            }
        }
    }
    let project = if dense {
        dense_project(packages)
    } else {
        synth_project(spec)
    };
    let dir = PathBuf::from(dir);
    if let Err(e) = project.write_to(&dir) {
        eprintln!("cannot write {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    eprintln!(
        "{}: {} entries, {} edges, {} wheels, {} bytes of uv.lock",
        dir.display(),
        project.entries,
        project.edges,
        project.wheels,
        project.lock.len()
    );
    ExitCode::SUCCESS
}
