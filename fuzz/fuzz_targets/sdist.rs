//! Fuzz target `sdist`: the body is shared with the replay test (`crates/lock2nix/tests/hardening.rs`).
#![no_main]

#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bodies::sdist(data);
});
