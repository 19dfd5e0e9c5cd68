//! Table-driven tests on real wheel names from the top-1000 lock fixture (see
//! `tests/data/README.md`): the chosen wheel per system × CPython, explanations, tie-breaks.
//!
//! The expected choices below were cross-checked against `packaging` (the first tag in
//! `sys_tags` order that any wheel of the entry supports); the differential test
//! `chosen_wheels_agree_with_packaging_on_top_1000_lock` re-checks that for every entry.

mod common;

use common::read_wheel_list;
use lock2nix_wheel::{System, TagPolicy, TargetTags, WheelFilename};

const PYTHONS: [(u32, u32); 5] = [(3, 10), (3, 11), (3, 12), (3, 13), (3, 14)];

/// (package, version, system, expected best wheel for CPython 3.10, 3.11, 3.12, 3.13, 3.14;
/// "" = no compatible wheel), with macOS 11.0 as the Darwin deployment target ([`MACOS_11`]; the
/// differential test checks the default, 14.0, against `packaging` too).
#[rustfmt::skip]
const EXPECTED: &[(&str, &str, &str, [&str; 5])] = &[
    ("cryptography", "50.0.2", "aarch64-darwin", [
        "cryptography-50.0.2-cp39-abi3-macosx_11_0_arm64.whl",
        "cryptography-50.0.2-cp311-abi3-macosx_11_0_arm64.whl",
        "cryptography-50.0.2-cp311-abi3-macosx_11_0_arm64.whl",
        "cryptography-50.0.2-cp311-abi3-macosx_11_0_arm64.whl",
        "cryptography-50.0.2-cp311-abi3-macosx_11_0_arm64.whl",
    ]),
    ("cryptography", "50.0.2", "aarch64-linux", [
        "cryptography-50.0.2-cp39-abi3-manylinux_2_34_aarch64.whl",
        "cryptography-50.0.2-cp311-abi3-manylinux_2_34_aarch64.whl",
        "cryptography-50.0.2-cp311-abi3-manylinux_2_34_aarch64.whl",
        "cryptography-50.0.2-cp311-abi3-manylinux_2_34_aarch64.whl",
        "cryptography-50.0.2-cp311-abi3-manylinux_2_34_aarch64.whl",
    ]),
    ("cryptography", "50.0.2", "x86_64-darwin", [
        "",
        "",
        "",
        "",
        "",
    ]),
    ("cryptography", "50.0.2", "x86_64-linux", [
        "cryptography-50.0.2-cp39-abi3-manylinux_2_34_x86_64.whl",
        "cryptography-50.0.2-cp311-abi3-manylinux_2_34_x86_64.whl",
        "cryptography-50.0.2-cp311-abi3-manylinux_2_34_x86_64.whl",
        "cryptography-50.0.2-cp311-abi3-manylinux_2_34_x86_64.whl",
        "cryptography-50.0.2-cp311-abi3-manylinux_2_34_x86_64.whl",
    ]),
    ("lxml", "6.1.3", "aarch64-darwin", [
        "",
        "lxml-6.1.3-cp311-cp311-macosx_10_9_universal2.whl",
        "lxml-6.1.3-cp312-cp312-macosx_10_13_universal2.whl",
        "lxml-6.1.3-cp313-cp313-macosx_10_13_universal2.whl",
        "lxml-6.1.3-cp314-cp314-macosx_10_15_universal2.whl",
    ]),
    ("lxml", "6.1.3", "aarch64-linux", [
        "",
        "lxml-6.1.3-cp311-cp311-manylinux_2_26_aarch64.manylinux_2_28_aarch64.whl",
        "lxml-6.1.3-cp312-cp312-manylinux_2_26_aarch64.manylinux_2_28_aarch64.whl",
        "lxml-6.1.3-cp313-cp313-manylinux_2_26_aarch64.manylinux_2_28_aarch64.whl",
        "lxml-6.1.3-cp314-cp314-manylinux_2_26_aarch64.manylinux_2_28_aarch64.whl",
    ]),
    ("lxml", "6.1.3", "x86_64-darwin", [
        "",
        "lxml-6.1.3-cp311-cp311-macosx_10_9_x86_64.whl",
        "lxml-6.1.3-cp312-cp312-macosx_10_13_x86_64.whl",
        "lxml-6.1.3-cp313-cp313-macosx_10_13_x86_64.whl",
        "lxml-6.1.3-cp314-cp314-macosx_10_15_x86_64.whl",
    ]),
    ("lxml", "6.1.3", "x86_64-linux", [
        "",
        "lxml-6.1.3-cp311-cp311-manylinux_2_26_x86_64.manylinux_2_28_x86_64.whl",
        "lxml-6.1.3-cp312-cp312-manylinux_2_26_x86_64.manylinux_2_28_x86_64.whl",
        "lxml-6.1.3-cp313-cp313-manylinux_2_26_x86_64.manylinux_2_28_x86_64.whl",
        "lxml-6.1.3-cp314-cp314-manylinux_2_26_x86_64.manylinux_2_28_x86_64.whl",
    ]),
    ("numpy", "2.4.6", "aarch64-darwin", [
        "",
        "numpy-2.4.6-cp311-cp311-macosx_11_0_arm64.whl",
        "numpy-2.4.6-cp312-cp312-macosx_11_0_arm64.whl",
        "numpy-2.4.6-cp313-cp313-macosx_11_0_arm64.whl",
        "numpy-2.4.6-cp314-cp314-macosx_11_0_arm64.whl",
    ]),
    ("numpy", "2.4.6", "aarch64-linux", [
        "",
        "numpy-2.4.6-cp311-cp311-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl",
        "numpy-2.4.6-cp312-cp312-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl",
        "numpy-2.4.6-cp313-cp313-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl",
        "numpy-2.4.6-cp314-cp314-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl",
    ]),
    ("numpy", "2.4.6", "x86_64-darwin", [
        "",
        "numpy-2.4.6-cp311-cp311-macosx_10_9_x86_64.whl",
        "numpy-2.4.6-cp312-cp312-macosx_10_13_x86_64.whl",
        "numpy-2.4.6-cp313-cp313-macosx_10_13_x86_64.whl",
        "numpy-2.4.6-cp314-cp314-macosx_10_15_x86_64.whl",
    ]),
    ("numpy", "2.4.6", "x86_64-linux", [
        "",
        "numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
        "numpy-2.4.6-cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
        "numpy-2.4.6-cp313-cp313-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
        "numpy-2.4.6-cp314-cp314-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
    ]),
    ("numpy", "2.5.5", "aarch64-darwin", [
        "",
        "",
        "numpy-2.5.5-cp312-cp312-macosx_11_0_arm64.whl",
        "numpy-2.5.5-cp313-cp313-macosx_11_0_arm64.whl",
        "numpy-2.5.5-cp314-cp314-macosx_11_0_arm64.whl",
    ]),
    ("numpy", "2.5.5", "aarch64-linux", [
        "",
        "",
        "numpy-2.5.5-cp312-cp312-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl",
        "numpy-2.5.5-cp313-cp313-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl",
        "numpy-2.5.5-cp314-cp314-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl",
    ]),
    ("numpy", "2.5.5", "x86_64-darwin", [
        "",
        "",
        "numpy-2.5.5-cp312-cp312-macosx_10_13_x86_64.whl",
        "numpy-2.5.5-cp313-cp313-macosx_10_13_x86_64.whl",
        "numpy-2.5.5-cp314-cp314-macosx_10_15_x86_64.whl",
    ]),
    ("numpy", "2.5.5", "x86_64-linux", [
        "",
        "",
        "numpy-2.5.5-cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
        "numpy-2.5.5-cp313-cp313-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
        "numpy-2.5.5-cp314-cp314-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
    ]),
    ("orjson", "3.13.0", "aarch64-darwin", [
        "",
        "orjson-3.13.0-cp311-cp311-macosx_10_15_x86_64.macosx_11_0_arm64.macosx_10_15_universal2.whl",
        "orjson-3.13.0-cp312-cp312-macosx_10_15_x86_64.macosx_11_0_arm64.macosx_10_15_universal2.whl",
        "orjson-3.13.0-cp313-cp313-macosx_10_15_x86_64.macosx_11_0_arm64.macosx_10_15_universal2.whl",
        "orjson-3.13.0-cp314-cp314-macosx_10_15_x86_64.macosx_11_0_arm64.macosx_10_15_universal2.whl",
    ]),
    ("orjson", "3.13.0", "aarch64-linux", [
        "",
        "orjson-3.13.0-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
        "orjson-3.13.0-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
        "orjson-3.13.0-cp313-cp313-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
        "orjson-3.13.0-cp314-cp314-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
    ]),
    ("orjson", "3.13.0", "x86_64-darwin", [
        "",
        "orjson-3.13.0-cp311-cp311-macosx_10_15_x86_64.macosx_11_0_arm64.macosx_10_15_universal2.whl",
        "orjson-3.13.0-cp312-cp312-macosx_10_15_x86_64.macosx_11_0_arm64.macosx_10_15_universal2.whl",
        "orjson-3.13.0-cp313-cp313-macosx_10_15_x86_64.macosx_11_0_arm64.macosx_10_15_universal2.whl",
        "orjson-3.13.0-cp314-cp314-macosx_10_15_x86_64.macosx_11_0_arm64.macosx_10_15_universal2.whl",
    ]),
    ("orjson", "3.13.0", "x86_64-linux", [
        "",
        "orjson-3.13.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "orjson-3.13.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "orjson-3.13.0-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "orjson-3.13.0-cp314-cp314-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    ]),
    ("pydantic-core", "2.50.5", "aarch64-darwin", [
        "",
        "pydantic_core-2.50.5-cp311-cp311-macosx_11_0_arm64.whl",
        "pydantic_core-2.50.5-cp312-cp312-macosx_11_0_arm64.whl",
        "pydantic_core-2.50.5-cp313-cp313-macosx_11_0_arm64.whl",
        "pydantic_core-2.50.5-cp314-cp314-macosx_11_0_arm64.whl",
    ]),
    ("pydantic-core", "2.50.5", "aarch64-linux", [
        "",
        "pydantic_core-2.50.5-cp311-cp311-manylinux2014_aarch64.manylinux_2_17_aarch64.whl",
        "pydantic_core-2.50.5-cp312-cp312-manylinux2014_aarch64.manylinux_2_17_aarch64.whl",
        "pydantic_core-2.50.5-cp313-cp313-manylinux2014_aarch64.manylinux_2_17_aarch64.whl",
        "pydantic_core-2.50.5-cp314-cp314-manylinux2014_aarch64.manylinux_2_17_aarch64.whl",
    ]),
    ("pydantic-core", "2.50.5", "x86_64-darwin", [
        "",
        "pydantic_core-2.50.5-cp311-cp311-macosx_10_12_x86_64.whl",
        "pydantic_core-2.50.5-cp312-cp312-macosx_10_12_x86_64.whl",
        "pydantic_core-2.50.5-cp313-cp313-macosx_10_12_x86_64.whl",
        "pydantic_core-2.50.5-cp314-cp314-macosx_10_12_x86_64.whl",
    ]),
    ("pydantic-core", "2.50.5", "x86_64-linux", [
        "",
        "pydantic_core-2.50.5-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
        "pydantic_core-2.50.5-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
        "pydantic_core-2.50.5-cp313-cp313-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
        "pydantic_core-2.50.5-cp314-cp314-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
    ]),
    ("torch", "2.15.0", "aarch64-darwin", [
        "",
        "",
        "",
        "",
        "",
    ]),
    ("torch", "2.15.0", "aarch64-linux", [
        "",
        "",
        "",
        "",
        "",
    ]),
    ("torch", "2.15.0", "x86_64-darwin", [
        "",
        "",
        "",
        "",
        "",
    ]),
    ("torch", "2.15.0", "x86_64-linux", [
        "",
        "",
        "",
        "",
        "",
    ]),
    ("torch", "2.5.1", "aarch64-darwin", [
        "",
        "torch-2.5.1-cp311-none-macosx_11_0_arm64.whl",
        "torch-2.5.1-cp312-none-macosx_11_0_arm64.whl",
        "",
        "",
    ]),
    ("torch", "2.5.1", "aarch64-linux", [
        "",
        "torch-2.5.1-cp311-cp311-manylinux2014_aarch64.whl",
        "torch-2.5.1-cp312-cp312-manylinux2014_aarch64.whl",
        "",
        "",
    ]),
    ("torch", "2.5.1", "x86_64-darwin", [
        "",
        "",
        "",
        "",
        "",
    ]),
    ("torch", "2.5.1", "x86_64-linux", [
        "",
        "torch-2.5.1-cp311-cp311-manylinux1_x86_64.whl",
        "torch-2.5.1-cp312-cp312-manylinux1_x86_64.whl",
        "torch-2.5.1-cp313-cp313-manylinux1_x86_64.whl",
        "",
    ]),
    ("torch", "2.9.1", "aarch64-darwin", [
        "",
        "torch-2.9.1-cp311-none-macosx_11_0_arm64.whl",
        "torch-2.9.1-cp312-none-macosx_11_0_arm64.whl",
        "torch-2.9.1-cp313-none-macosx_11_0_arm64.whl",
        "torch-2.9.1-cp314-cp314-macosx_11_0_arm64.whl",
    ]),
    ("torch", "2.9.1", "aarch64-linux", [
        "",
        "torch-2.9.1-cp311-cp311-manylinux_2_28_aarch64.whl",
        "torch-2.9.1-cp312-cp312-manylinux_2_28_aarch64.whl",
        "torch-2.9.1-cp313-cp313-manylinux_2_28_aarch64.whl",
        "torch-2.9.1-cp314-cp314-manylinux_2_28_aarch64.whl",
    ]),
    ("torch", "2.9.1", "x86_64-darwin", [
        "",
        "",
        "",
        "",
        "",
    ]),
    ("torch", "2.9.1", "x86_64-linux", [
        "",
        "torch-2.9.1-cp311-cp311-manylinux_2_28_x86_64.whl",
        "torch-2.9.1-cp312-cp312-manylinux_2_28_x86_64.whl",
        "torch-2.9.1-cp313-cp313-manylinux_2_28_x86_64.whl",
        "torch-2.9.1-cp314-cp314-manylinux_2_28_x86_64.whl",
    ]),
];

/// The policy the tables of this file were written for: macOS 11.0 (nixpkgs' deployment target
/// before 25.11), the default glibc.
const MACOS_11: TagPolicy = TagPolicy {
    macos: (11, 0),
    ..lock2nix_wheel::TagPolicy::DEFAULT
};

fn wheels_of(
    entries: &common::Entries,
    name: &str,
    version: &str,
) -> (Vec<String>, Vec<WheelFilename>) {
    let names = entries
        .get(&(name.to_string(), version.to_string()))
        .unwrap_or_else(|| panic!("{name} {version} not in top-1000-wheels.tsv"))
        .clone();
    let parsed = names
        .iter()
        .map(|n| WheelFilename::parse(n).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    (names, parsed)
}

#[test]
fn chosen_wheels_of_well_known_packages() {
    let entries = read_wheel_list("top-1000-wheels.tsv");
    let mut checked = 0;
    for (name, version, system, expected) in EXPECTED {
        let system: System = system.parse().unwrap();
        let (names, wheels) = wheels_of(&entries, name, version);
        for (python, want) in PYTHONS.iter().zip(expected) {
            let t = TargetTags::new(system, *python, MACOS_11);
            let got = t
                .best(wheels.iter())
                .map(|i| names[i].as_str())
                .unwrap_or("");
            assert_eq!(
                got, *want,
                "{name} {version} for CPython {}.{} on {system}",
                python.0, python.1
            );
            // The choice does not depend on the order of the wheels in the lock.
            let rev: Vec<&WheelFilename> = wheels.iter().rev().collect();
            let got_rev = t
                .best(rev.iter().copied())
                .map(|i| names[names.len() - 1 - i].as_str())
                .unwrap_or("");
            assert_eq!(got_rev, *want, "{name} {version} reversed");
            checked += 1;
        }
    }
    assert_eq!(checked, EXPECTED.len() * 5);
}

fn explain(system: System, python: (u32, u32), policy: TagPolicy, wheel: &str) -> String {
    let t = TargetTags::new(system, python, policy);
    let w = WheelFilename::parse(wheel).unwrap();
    assert_eq!(t.priority(&w), None, "{wheel} should be incompatible");
    t.explain_incompatible(&w)
}

#[test]
fn explanations_name_the_actual_reason() {
    let d = MACOS_11;
    type Case = (System, (u32, u32), TagPolicy, &'static str, &'static str);
    let cases: &[Case] = &[
        (
            System::X86_64Linux,
            (3, 12),
            d,
            "cryptography-50.0.2-cp311-abi3-macosx_11_0_arm64.whl",
            "platform macosx_11_0_arm64 is not for x86_64-linux",
        ),
        (
            System::X86_64Linux,
            (3, 14),
            d,
            "cryptography-50.0.2-cp314-cp314t-manylinux_2_34_x86_64.whl",
            "ABI cp314t (free-threaded)",
        ),
        (
            System::X86_64Linux,
            (3, 13),
            d,
            "numpy-2.4.6-cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
            "cp312 wheel for CPython 3.13",
        ),
        (
            System::Aarch64Linux,
            (3, 14),
            d,
            "cryptography-50.0.2-cp315-abi3.abi3t-manylinux_2_34_aarch64.whl",
            "cp315-abi3 wheel needs CPython >= 3.15",
        ),
        (
            System::X86_64Linux,
            (3, 12),
            d,
            "torch-2.15.0-cp312-cp312-win_amd64.whl",
            "platform win_amd64 is not for x86_64-linux",
        ),
        (
            System::Aarch64Linux,
            (3, 11),
            d,
            "aiohttp-3.14.5-cp311-cp311-musllinux_1_2_aarch64.whl",
            "musl libc",
        ),
        (
            System::X86_64Linux,
            (3, 12),
            TagPolicy {
                glibc: (2, 17),
                ..d
            },
            "cryptography-50.0.2-cp311-abi3-manylinux_2_34_x86_64.whl",
            "needs glibc 2.34, newer than the assumed 2.17",
        ),
        (
            System::Aarch64Darwin,
            (3, 12),
            d,
            "av-18.1.0-cp311-abi3-macosx_14_0_arm64.whl",
            "needs macOS 14.0, newer than the assumed 11.0",
        ),
        (
            System::X86_64Linux,
            (3, 11),
            d,
            "cryptography-50.0.2-pp311-pypy311_pp73-manylinux_2_28_x86_64.whl",
            "interpreter pp311 is not CPython",
        ),
        (
            System::Aarch64Darwin,
            (3, 10),
            d,
            "numpy-2.4.6-cp311-cp311-macosx_11_0_arm64.whl",
            "cp311 wheel for CPython 3.10",
        ),
    ];
    for (system, python, policy, wheel, needle) in cases {
        let why = explain(*system, *python, *policy, wheel);
        assert!(
            why.contains(needle),
            "explanation for {wheel}: {why:?} lacks {needle:?}"
        );
        assert!(
            why.contains(&format!("CPython {}.{} on {system}", python.0, python.1)),
            "{why}"
        );
    }
    // A compatible wheel is reported as such.
    let t = TargetTags::new(
        System::Aarch64Darwin,
        (3, 12),
        TagPolicy {
            macos: (14, 0),
            ..d
        },
    );
    let w = WheelFilename::parse("av-18.1.0-cp311-abi3-macosx_14_0_arm64.whl").unwrap();
    assert!(t.explain_incompatible(&w).contains("is compatible"));
}

/// `macos` and `glibc` options move the boundary of what is compatible.
#[test]
fn policy_options_change_compatibility() {
    let entries = read_wheel_list("top-1000-wheels.tsv");
    let (names, wheels) = wheels_of(&entries, "av", "18.1.0");
    let pick = |policy| {
        let t = TargetTags::new(System::Aarch64Darwin, (3, 12), policy);
        t.best(wheels.iter()).map(|i| names[i].clone())
    };
    assert_eq!(pick(MACOS_11), None);
    // nixpkgs' deployment target (the default) accepts it
    assert_eq!(
        pick(TagPolicy::default()).as_deref(),
        Some("av-18.1.0-cp311-abi3-macosx_14_0_arm64.whl")
    );
    // and the wheel says which version it needs
    let t = TargetTags::new(System::Aarch64Darwin, (3, 12), MACOS_11);
    let av = WheelFilename::parse("av-18.1.0-cp311-abi3-macosx_14_0_arm64.whl").unwrap();
    assert_eq!(t.macos_needed(&av), Some((14, 0)));
    let linux = WheelFilename::parse("av-18.1.0-cp311-abi3-manylinux_2_17_x86_64.whl").unwrap();
    assert_eq!(t.macos_needed(&linux), None);
    let (names, wheels) = wheels_of(&entries, "cryptography", "50.0.2");
    let t = TargetTags::new(
        System::X86_64Linux,
        (3, 12),
        TagPolicy {
            glibc: (2, 27),
            ..TagPolicy::default()
        },
    );
    let best = t.best(wheels.iter()).map(|i| names[i].as_str());
    assert_eq!(
        best,
        Some("cryptography-50.0.2-cp311-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl")
    );
}

/// Real build-tagged wheels (jpype1 ships `-1-` builds): the build tag is parsed, and among
/// wheels with equal tags the higher build wins regardless of input order; then the file
/// name decides.
#[test]
fn tie_break_prefers_higher_build_then_file_name() {
    let w = WheelFilename::parse("jpype1-1.7.1-1-cp312-cp312-macosx_11_0_universal2.whl").unwrap();
    assert_eq!(
        w.build_tag().map(|b| (b.number, b.suffix.as_str())),
        Some((1, ""))
    );
    let t = TargetTags::new(System::Aarch64Darwin, (3, 12), TagPolicy::default());
    let names = [
        "jpype1-1.7.1-1-cp312-cp312-macosx_11_0_universal2.whl",
        "jpype1-1.7.1-cp312-cp312-macosx_11_0_universal2.whl",
        "jpype1-1.7.1-2a-cp312-cp312-macosx_11_0_universal2.whl",
        "jpype1-1.7.1-10-cp312-cp312-macosx_11_0_universal2.whl",
        "jpype1-1.7.1-10-cp312-cp312-macosx_11_0_universal2.macosx_11_0_universal2.whl",
    ];
    let wheels: Vec<WheelFilename> = names
        .iter()
        .map(|n| WheelFilename::parse(n).unwrap())
        .collect();
    for rotate in 0..wheels.len() {
        let mut order: Vec<usize> = (0..wheels.len()).collect();
        order.rotate_left(rotate);
        let best = t
            .best(order.iter().map(|&i| &wheels[i]))
            .map(|j| names[order[j]]);
        // 10 > 2a > 1 > none numerically; the two build-10 wheels tie and the canonical
        // file names compare byte-wise: "….universal2.macosx…" < "….universal2.whl".
        assert_eq!(
            best,
            Some("jpype1-1.7.1-10-cp312-cp312-macosx_11_0_universal2.macosx_11_0_universal2.whl")
        );
    }
}
