//! The authentik plan: a snapshot, counts computed independently from the index file, and the shape of
//! nixpkgs' hand-written package under the `nixpkgs` policy.

use std::collections::BTreeMap;
use std::str::FromStr;

use lock2nix_lock::{read_lock, read_workspace};
use lock2nix_nixpkgs::Index;
use lock2nix_plan::{plan, Action, Plan, PlanInputs, Policy, Recipe};
use lock2nix_resolve::{resolve, PythonVersion, Resolution, Target};
use lock2nix_testkit::repo_root;
use lock2nix_wheel::System;

fn authentik(policy: Policy) -> (Resolution, Plan) {
    let root = repo_root().join("fixtures/authentik");
    let lock = read_lock(&root.join("uv.lock")).unwrap();
    let ws = read_workspace(&root).unwrap();
    let index =
        Index::read(repo_root().join("fixtures/nixpkgs-index/authentik-subset.tsv")).unwrap();
    let mut target = Target::new(System::X86_64Linux, PythonVersion::new(3, 13));
    target
        .no_binary
        .names
        .extend(ws.root_project.tool_uv.no_binary_package.iter().cloned());
    let res = resolve(&lock, &target).unwrap();
    let inputs = PlanInputs {
        index: Some(&index),
        policy,
        workspace: Some(&ws),
        ..PlanInputs::default()
    };
    let p = plan(&lock, &res, &inputs);
    (res, p)
}

/// The independent reading: the TSV's own rows (pypi_name → version), compared with PEP 440.
fn tsv_rows() -> BTreeMap<String, (String, String)> {
    let text =
        std::fs::read_to_string(repo_root().join("fixtures/nixpkgs-index/authentik-subset.tsv"))
            .unwrap();
    let mut rows = BTreeMap::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() >= 4 && !cols[1].is_empty() {
            rows.insert(
                cols[0].to_string(),
                (cols[1].to_string(), cols[3].to_string()),
            );
        }
    }
    rows
}

fn render(plan: &Plan) -> String {
    let mut out = String::new();
    for (a, n) in plan.counts() {
        out.push_str(&format!("{a}: {n}\n"));
    }
    out.push('\n');
    for p in &plan.packages {
        out.push_str(&format!(
            "{:<9} {} {} (nixpkgs: {} {}) {}\n",
            p.action,
            p.name,
            p.version,
            p.nixpkgs_attr().unwrap_or("-"),
            p.nixpkgs_version().unwrap_or("-"),
            p.reason
        ));
    }
    out
}

#[test]
fn exact_plan_snapshot_and_independent_counts() {
    let (res, plan) = authentik(Policy::Exact);
    insta::assert_snapshot!("authentik_exact_x86_64_linux_3_13", render(&plan));
    // counts from the index file and the resolved closure, computed here without the plan crate:
    // build-system bootstrap packages are nixpkgs'; the subset index knows no recipe features,
    // so every other version swap is a fresh derivation
    let rows = tsv_rows();
    let mut expected: BTreeMap<Action, usize> = Action::ALL.iter().map(|a| (*a, 0)).collect();
    for p in &res.packages {
        let action = match p.source.as_str() {
            "editable" | "directory" | "virtual" => Action::InTree,
            "git" => Action::Vcs,
            _ if lock2nix_plan::BOOTSTRAP.contains(&p.name.as_ref()) => Action::Reuse,
            _ => match rows.get(p.name.as_ref()) {
                None => Action::Build,
                Some((_, v)) => {
                    let nix = pep440_rs::Version::from_str(v).ok();
                    if nix.is_some() && nix.as_ref() == p.version.as_ref() {
                        Action::Reuse
                    } else {
                        Action::Build
                    }
                }
            },
        };
        *expected.get_mut(&action).unwrap() += 1;
    }
    assert_eq!(plan.counts(), expected);
    assert_eq!(plan.packages.len(), res.packages.len());
}

#[test]
fn nixpkgs_policy_has_the_shape_of_the_hand_written_package() {
    let (_, plan) = authentik(Policy::Nixpkgs);
    let rows = tsv_rows();
    let by_action = |a: Action| -> Vec<String> {
        plan.packages
            .iter()
            .filter(|p| p.action == a)
            .map(|p| p.name.to_string())
            .collect()
    };
    assert_eq!(
        by_action(Action::InTree),
        [
            "ak-guardian",
            "authentik",
            "django-channels-postgres",
            "django-dramatiq-postgres",
            "django-postgres-cache"
        ]
    );
    assert_eq!(by_action(Action::Vcs), ["opencontainers"]);
    assert!(by_action(Action::Override).is_empty());
    for p in &plan.packages {
        match p.action {
            Action::Reuse => assert!(
                rows.contains_key(p.name.as_ref()),
                "{} reused but not in the index",
                p.name
            ),
            Action::Build => assert!(
                !rows.contains_key(p.name.as_ref()),
                "{} built although the index has it",
                p.name
            ),
            _ => {}
        }
    }
    assert_eq!(by_action(Action::Build), ["dumb-init"]);
    let django = plan
        .packages
        .iter()
        .find(|p| p.name.as_ref() == "django")
        .unwrap();
    assert_eq!(django.nixpkgs_attr(), Some("django_5"));
}

#[test]
fn per_package_policy_pins_dramatiq_like_nixpkgs() {
    let root = repo_root().join("fixtures/authentik");
    let lock = read_lock(&root.join("uv.lock")).unwrap();
    let index =
        Index::read(repo_root().join("fixtures/nixpkgs-index/authentik-subset.tsv")).unwrap();
    let res = resolve(
        &lock,
        &Target::new(System::X86_64Linux, PythonVersion::new(3, 13)),
    )
    .unwrap();
    let mut inputs = PlanInputs {
        index: Some(&index),
        policy: Policy::Nixpkgs,
        ..PlanInputs::default()
    };
    inputs
        .package_policy
        .insert("dramatiq".parse().unwrap(), Policy::Exact);
    let p = plan(&lock, &res, &inputs);
    let d = p
        .packages
        .iter()
        .find(|p| p.name.as_ref() == "dramatiq")
        .unwrap();
    // the index does not know nixpkgs' dramatiq recipe: the lock's wheel, not a swap of a
    // recipe (and its 2.x tests)
    assert_eq!(d.action, Action::Build);
    assert_eq!(d.version, "1.17.1");
    assert_eq!(d.nixpkgs_version(), Some("2.1.0"));
    assert_eq!(d.swap_strategy(), Some("fresh from the lock's wheel"));
    // a recipe known to survive a swap is kept, with the lock's sdist
    let mut known = index.clone();
    let mut e = known.get("dramatiq").unwrap().clone();
    e.features = safe_features();
    known.insert(e);
    inputs.index = Some(&known);
    let p = plan(&lock, &res, &inputs);
    let d = p
        .packages
        .iter()
        .find(|p| p.name.as_ref() == "dramatiq")
        .unwrap();
    assert_eq!(d.action, Action::Override);
    assert_eq!(d.swap_strategy(), Some("override nixpkgs' recipe"));
    let Recipe::Swap { src, .. } = &d.recipe else {
        panic!("{:?}", d.recipe)
    };
    assert!(
        src.describe().ends_with("dramatiq-1.17.1.tar.gz"),
        "{src:?}"
    );
}

fn safe_features() -> lock2nix_nixpkgs::RecipeFeatures {
    lock2nix_nixpkgs::RecipeFeatures {
        src_fetcher: Some(lock2nix_nixpkgs::SrcFetcher::FetchPypi),
        rust_vendor: Some(false),
        patches: Some(false),
        source_root: Some(false),
        substitutions: Some(false),
        custom_check: Some(false),
        eval_assert: Some(false),
        family: None,
        format: Some(lock2nix_nixpkgs::RecipeFormat::Pyproject),
        native_build_inputs: Some(vec![]),
        build_inputs: Some(vec![]),
    }
}

#[test]
fn compatible_policy_checks_the_members_specifiers() {
    let (_, exact) = authentik(Policy::Exact);
    let (_, compatible) = authentik(Policy::Compatible);
    let c = |plan: &Plan, a| plan.counts()[&a];
    assert!(c(&compatible, Action::Reuse) > c(&exact, Action::Reuse));
    // django-dramatiq-postgres requires dramatiq >=1.17,<1.18; nixpkgs has 2.1.0: not compatible
    let d = compatible
        .packages
        .iter()
        .find(|p| p.name.as_ref() == "dramatiq")
        .unwrap();
    assert_eq!(d.action, Action::Build);
    assert!(
        d.reason.contains("django-dramatiq-postgres requires"),
        "{}",
        d.reason
    );
}
