//! Differential tests against Python's `packaging` (the reference implementation of wheel
//! tags): tag lists, platform lists, the host's `sys_tags()`, wheel-name parsing, and the
//! chosen wheel for every package of the real top-1000 lock.

mod common;

use std::collections::HashMap;

use common::{read_wheel_list, run_oracle};
use lock2nix_wheel::{platforms, System, TagPolicy, TargetTags, WheelFilename};

fn tag_strings(t: &TargetTags) -> Vec<String> {
    t.tags().map(|(i, a, p)| format!("{i}-{a}-{p}")).collect()
}

fn assert_same_list(what: &str, ours: &[String], theirs: &[&str]) {
    if let Some(i) = (0..ours.len().max(theirs.len()))
        .find(|&i| ours.get(i).map(String::as_str) != theirs.get(i).copied())
    {
        panic!(
            "{what}: first difference at index {i}: ours {:?}, packaging {:?} (lengths {} vs {})",
            ours.get(i),
            theirs.get(i),
            ours.len(),
            theirs.len()
        );
    }
}

fn parse_ver(s: &str) -> (u32, u32) {
    let (a, b) = s.split_once('.').expect("major.minor");
    (a.parse().unwrap(), b.parse().unwrap())
}

/// For several glibc/macOS versions (including the defaults), every system × CPython
/// 3.10–3.14: the platform list and the whole ordered tag list equal packaging's.
#[test]
fn tag_lists_equal_packaging() {
    let grid = [
        ("2.40", "14.0"), // the defaults
        ("2.17", "10.9"),
        ("2.28", "11.0"),
        ("2.5", "15.3"),
        ("2.12", "10.16"),
        ("3.1", "10.3"), // hypothetical glibc 3.x; macOS older than 10.4
    ];
    let mut compared = 0;
    for (glibc, macos) in grid {
        let Some(oracle) = run_oracle("tag_lists_equal_packaging", &["tags", glibc, macos]) else {
            return;
        };
        let policy = TagPolicy {
            glibc: parse_ver(glibc),
            macos: parse_ver(macos),
            packaging: oracle.compat(),
        };
        if (glibc, macos) == ("2.40", "14.0") {
            assert_eq!(
                (policy.glibc, policy.macos),
                (TagPolicy::default().glibc, TagPolicy::default().macos)
            );
        }
        for line in &oracle.lines {
            let system: System = line[1].parse().unwrap();
            match line[0].as_str() {
                "platforms" => {
                    let theirs: Vec<&str> = line[2].split_whitespace().collect();
                    assert_same_list(
                        &format!("platforms of {system} (glibc {glibc}, macOS {macos})"),
                        &platforms(system, &policy),
                        &theirs,
                    );
                }
                "tags" => {
                    let python = parse_ver(&line[2]);
                    let theirs: Vec<&str> = line[3].split_whitespace().collect();
                    let t = TargetTags::new(system, python, policy);
                    assert_same_list(
                        &format!(
                            "tags of CPython {}.{} on {system} (glibc {glibc}, macOS {macos})",
                            python.0, python.1
                        ),
                        &tag_strings(&t),
                        &theirs,
                    );
                    assert!(!theirs.is_empty());
                    // Every listed tag maps back to its own first position.
                    let mut first = HashMap::new();
                    for (i, tag) in theirs.iter().enumerate() {
                        first.entry(*tag).or_insert(i);
                    }
                    for (tag, &i) in &first {
                        let mut it = tag.splitn(3, '-');
                        let (a, b, c) =
                            (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
                        assert_eq!(t.tag_priority(a, b, c), Some(i), "{tag}");
                    }
                    compared += 1;
                }
                other => panic!("unexpected oracle line kind {other}"),
            }
        }
    }
    assert_eq!(compared, 6 * 4 * 5);
}

/// On a glibc Linux host, `packaging.tags.sys_tags()` of the running CPython equals our
/// list for that system, CPython version and host glibc: an end-to-end check of the order
/// without any monkeypatching.
#[test]
fn host_sys_tags_equal_packaging() {
    let Some(oracle) = run_oracle("host_sys_tags_equal_packaging", &["host"]) else {
        return;
    };
    let host = &oracle.lines[0];
    let (imp, pyver, plat, glibc, gil_disabled, debug) =
        (&host[1], &host[2], &host[3], &host[4], &host[5], &host[6]);
    let system = match plat.as_str() {
        "linux-x86_64" => System::X86_64Linux,
        "linux-aarch64" => System::Aarch64Linux,
        _ => {
            eprintln!("host_sys_tags_equal_packaging: host platform {plat} is not a Linux system we model; skipped");
            return;
        }
    };
    if imp != "cpython" || gil_disabled != "0" || debug != "0" || glibc.starts_with('-') {
        eprintln!("host_sys_tags_equal_packaging: host interpreter is not a default glibc CPython build; skipped");
        return;
    }
    let policy = TagPolicy {
        glibc: parse_ver(glibc),
        packaging: oracle.compat(),
        ..TagPolicy::default()
    };
    let t = TargetTags::new(system, parse_ver(pyver), policy);
    let theirs: Vec<&str> = oracle.lines[1][1].split_whitespace().collect();
    assert_same_list("host sys_tags()", &tag_strings(&t), &theirs);
}

/// Every wheel of the top-1000 lock parses identically with `packaging.utils.parse_wheel_filename`:
/// same normalised name, version, build tag and expanded tag set.
#[test]
fn wheel_names_parse_like_packaging() {
    let list = common::test_path("data/top-1000-wheels.tsv");
    let Some(oracle) = run_oracle(
        "wheel_names_parse_like_packaging",
        &["parse", list.to_str().unwrap()],
    ) else {
        return;
    };
    assert_eq!(oracle.lines.len(), 11128);
    for line in &oracle.lines {
        let basename = &line[1];
        let ours = WheelFilename::parse(basename);
        if line[0] == "error" {
            assert!(
                ours.is_err(),
                "packaging rejects {basename} but we accept it"
            );
            continue;
        }
        let w = ours.unwrap_or_else(|e| panic!("packaging accepts {basename}, we reject it: {e}"));
        assert_eq!(w.name(), line[2], "{basename}");
        assert_eq!(w.version().to_string(), line[3], "{basename}");
        let build = w
            .build_tag()
            .map(|b| format!("{}{}", b.number, b.suffix))
            .unwrap_or_default();
        assert_eq!(build, line[4], "{basename}");
        let mut triples: Vec<String> = w
            .tag_triples()
            .map(|(a, b, c)| format!("{a}-{b}-{c}"))
            .collect();
        triples.sort();
        triples.dedup();
        assert_eq!(triples.join(" "), line[5], "{basename}");
    }
}

/// For every `[[package]]` entry of the top-1000 lock (11,128 wheels), every system and
/// CPython 3.10–3.14: our best wheel has the same priority as the first tag in packaging's
/// order that any of the entry's wheels supports, and is one of the wheels supporting it;
/// entries with no compatible wheel agree too.
#[test]
fn chosen_wheels_agree_with_packaging_on_top_1000_lock() {
    let list = common::test_path("data/top-1000-wheels.tsv");
    let Some(oracle) = run_oracle(
        "chosen_wheels_agree_with_packaging_on_top_1000_lock",
        &["choose", list.to_str().unwrap()],
    ) else {
        return;
    };
    let entries = read_wheel_list("top-1000-wheels.tsv");
    let parsed: HashMap<(String, String), Vec<WheelFilename>> = entries
        .iter()
        .map(|(k, ws)| {
            (
                k.clone(),
                ws.iter()
                    .map(|w| WheelFilename::parse(w).unwrap_or_else(|e| panic!("{e}")))
                    .collect(),
            )
        })
        .collect();
    let policy = TagPolicy {
        packaging: oracle.compat(),
        ..TagPolicy::default()
    };
    let mut targets = HashMap::new();
    let (mut with_choice, mut without) = (0, 0);
    for line in &oracle.lines {
        assert_eq!(line[0], "choice");
        let system: System = line[1].parse().unwrap();
        let python = parse_ver(&line[2]);
        let t = targets
            .entry((system, python))
            .or_insert_with(|| TargetTags::new(system, python, policy));
        let key = (line[3].clone(), line[4].clone());
        let wheels = &parsed[&key];
        let best = t.best(wheels.iter());
        let ctx = format!(
            "{} {} for CPython {}.{} on {system}",
            key.0, key.1, python.0, python.1
        );
        if line[5] == "-" {
            assert_eq!(
                best, None,
                "{ctx}: packaging finds no compatible wheel, we chose one"
            );
            for w in wheels {
                let why = t.explain_incompatible(w);
                assert!(why.contains("is not compatible with"), "{ctx}: {why}");
            }
            without += 1;
        } else {
            let idx = best
                .unwrap_or_else(|| panic!("{ctx}: packaging chose {}, we chose nothing", line[6]));
            let prio: usize = line[5].parse().unwrap();
            assert_eq!(t.priority(&wheels[idx]), Some(prio), "{ctx}");
            let winners: Vec<&str> = line[6].split(' ').collect();
            let chosen = &entries[&key][idx];
            assert!(
                winners.contains(&chosen.as_str()),
                "{ctx}: we chose {chosen}, packaging's best are {winners:?}"
            );
            with_choice += 1;
        }
    }
    assert_eq!(with_choice + without, entries.len() * 20);
    eprintln!("compared {with_choice} choices and {without} no-wheel cases");
}
