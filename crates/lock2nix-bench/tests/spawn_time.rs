//! `lock2nix-spawn-time` prints a run's wall time and peak RSS, and fails when the command does.

use std::process::Command;

fn spawn_time(cmd: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_lock2nix-spawn-time"))
        .arg(dir.path().join("out"))
        .arg(dir.path().join("err"))
        .args(cmd)
        .output()
        .unwrap()
}

#[test]
fn a_run_prints_its_microseconds_and_peak_rss() {
    // a command that sleeps 50 ms and holds ~40 MiB (python allocates it)
    let out = spawn_time(&[
        "python3",
        "-c",
        "import time; b = bytearray(40 << 20); b[::4096] = b'x' * len(b[::4096]); time.sleep(0.05)",
    ]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let fields: Vec<u64> = text
        .split_whitespace()
        .map(|f| f.parse().unwrap())
        .collect();
    let [micros, kib] = fields[..] else {
        panic!("two numbers expected: {text:?}")
    };
    assert!((50_000..5_000_000).contains(&micros), "{micros} µs");
    assert!(kib >= 40 << 10, "{kib} KiB");
}

#[test]
fn a_failing_command_fails_the_run() {
    let out = spawn_time(&["false"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("failed"));
}

#[test]
fn the_command_output_goes_to_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let (o, e) = (dir.path().join("out"), dir.path().join("err"));
    let run = Command::new(env!("CARGO_BIN_EXE_lock2nix-spawn-time"))
        .args([&o, &e])
        .args(["sh", "-c", "echo to-out; echo to-err >&2"])
        .output()
        .unwrap();
    assert!(run.status.success());
    assert_eq!(std::fs::read_to_string(o).unwrap(), "to-out\n");
    assert_eq!(std::fs::read_to_string(e).unwrap(), "to-err\n");
}
