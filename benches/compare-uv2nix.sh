#!/usr/bin/env bash
# Opt-in: full-closure Nix evaluation of uv2nix's overlay next to lock2nix's, on the same lock,
# under this repository's nixpkgs stub (fixtures/nixpkgs-stub), as Markdown.
#
# Usage: benches/compare-uv2nix.sh UV2NIX_DIR PYPROJECT_NIX_DIR NIXPKGS_LIB_DIR [LOCK_DIR] [RUNS]
#
#   UV2NIX_DIR         a checkout of https://github.com/pyproject-nix/uv2nix
#   PYPROJECT_NIX_DIR  a checkout of https://github.com/pyproject-nix/pyproject.nix
#   NIXPKGS_LIB_DIR    nixpkgs' lib (a directory holding `lib/default.nix`, e.g. a nixpkgs checkout
#                      or ../shared/nixpkgs-lib)
#   LOCK_DIR           the project (uv.lock and pyproject.toml) [default: fixtures/locks/top-1000]
#   RUNS               alternating runs [default: 11]
#
# Nothing of those checkouts is copied into this repository; they are only evaluated (pure
# `nix-instantiate --eval --strict`, nothing is built or fetched).
#
# What is timed, for CPython 3.12 on x86_64-linux:
#   - lock2nix: the overlay from `lock2nix translate --global` on the stub; every package of the
#     closure (each derivation of `python312.pkgs` the overlay defines) with its name, pname,
#     version and src forced;
#   - uv2nix: `workspace.mkPyprojectOverlay { sourcePreference = "wheel"; }` over pyproject.nix's
#     package set (`callPackage pyproject-nix.build.packages { python }`) on the same stub, and the
#     same four fields forced on every package of `resolveVirtualEnv workspace.deps.default`
#     (the closure a virtual environment of the project's default dependencies holds).
# The stub lacks a few things pyproject.nix asks of nixpkgs (an elaborated platform, newScope,
# makeSetupHook, a libc version, the interpreter's passthru with its version parts); a small adapter overlay, written
# below and applied to uv2nix's evaluation only, provides stand-ins. The whole evaluation —
# reading the lock (uv2nix parses it with builtins.fromTOML in Nix), resolving markers, choosing
# wheels — is part of uv2nix's time; lock2nix did that in Rust, so its translate time is shown too.
set -euo pipefail

[[ $# -ge 3 ]] || {
    sed -n '2,13p' "$0" >&2
    exit 2
}
repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=benches/tools.sh
. "$repo/benches/tools.sh"
uv2nix=$(cd "$1" && pwd)
pyproject=$(cd "$2" && pwd)
nixlib=$(cd "$3" && pwd)
lockdir=$(cd "${4:-$repo/fixtures/locks/top-1000}" && pwd)
RUNS=${5:-11}
[[ -f $uv2nix/lib/workspace.nix ]] || die "$uv2nix is not a uv2nix checkout (no lib/workspace.nix)"
[[ -f $pyproject/build/packages.nix ]] || die "$pyproject is not a pyproject.nix checkout (no build/packages.nix)"
[[ -f $nixlib/lib/default.nix ]] || die "$nixlib holds no lib/default.nix (nixpkgs' lib)"
[[ -f $lockdir/uv.lock && -f $lockdir/pyproject.toml ]] || die "$lockdir has no uv.lock and pyproject.toml"
NIXI=$(find_tool nix-instantiate NIX_INSTANTIATE)

work=$(mktemp -d)
# KEEP=1 keeps the generated expressions (for debugging the adapter) and prints where they are
if [[ -n ${KEEP:-} ]]; then
    echo "compare-uv2nix.sh: keeping $work" >&2
else
    trap 'rm -rf "$work"' EXIT
fi
target=$(realpath -m "${CARGO_TARGET_DIR:-$repo/target}")
echo "building lock2nix and lock2nix-spawn-time (release) ..." >&2
(cd "$repo" && CARGO_TARGET_DIR=$target cargo build --release -q -p lock2nix -p lock2nix-bench --bin lock2nix --bin lock2nix-spawn-time)
L2N=$target/release/lock2nix
SPAWN_TIME=$target/release/lock2nix-spawn-time
refuse_wrapper lock2nix "$L2N"

# measure CMD...: run CMD once; print "<wall µs> <peak RSS KiB>"; stdout and stderr to files; fail loudly.
# lock2nix-spawn-time times the process itself (spawn to wait4, peak RSS from wait4): a shell
# timing it with `date` through /usr/bin/time counted ~2.5 ms of its own per run (/bin/true took
# 2.96 ms that way, 0.5 ms spawned directly), added to both sides of every ratio.
measure() {
    if ! "$SPAWN_TIME" "$work/stdout" "$work/err" "$@" >"$work/m"; then
        echo "${0##*/}: failed: $*" >&2
        tail -3 "$work/err" >&2
        exit 1
    fi
    cat "$work/m"
}
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ms() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# lock2nix's overlay, and what forcing it means
"$L2N" translate --lock "$lockdir/uv.lock" --out "$work/overlay.nix" --python 3.12 --system x86_64-linux --global --allow-missing-hashes 2>"$work/translate.err" ||
    die "lock2nix translate failed: $(tail -3 "$work/translate.err")"
cat >"$work/lock2nix.nix" <<EOF
let
  pkgs = import $repo/fixtures/nixpkgs-stub { system = "x86_64-linux"; overlays = [ (import $work/overlay.nix) ]; };
  ps = pkgs.python312.pkgs;
  force = n: let p = ps.\${n}; in if builtins.isAttrs p && (p.type or null) == "derivation" && p ? src
    then [ p.name (p.pname or null) (p.version or null) (toString p.src) ] else null;
in builtins.length (builtins.filter (x: x != null) (map force (builtins.attrNames ps)))
EOF

cat >"$work/uv2nix.nix" <<EOF
let
  lib = import $nixlib/lib;
  pyproject-nix = import $pyproject { inherit lib; };
  uv2nix = import $uv2nix { inherit lib pyproject-nix; };
  workspace = uv2nix.lib.workspace.loadWorkspace { workspaceRoot = $lockdir; };
  overlay = workspace.mkPyprojectOverlay { sourcePreference = "wheel"; };
  # Stand-ins for what pyproject.nix needs and the stub lacks (see the script's header).
  platform = lib.systems.elaborate "x86_64-linux";
  adapter = final: prev: {
    stdenv = prev.stdenv // {
      hostPlatform = platform;
      buildPlatform = platform;
      targetPlatform = platform;
      cc = prev.stdenv.cc // {
        libc = { pname = "glibc"; version = "2.40"; linuxHeaders.version = "6.12"; };
      };
    };
    newScope = extra: lib.callPackageWith (final // extra);
    buildPackages = final;
    makeSetupHook = args: script: prev.stdenv.mkDerivation { name = args.name or "hook"; };
    pythonManylinuxPackages = { manylinux1 = [ ]; manylinux2010 = [ ]; manylinux2014 = [ ]; };
    unzip = prev.stdenv.mkDerivation { name = "unzip-6.0"; };
    uv2nixPython = prev.python312 // {
      stdenv = final.stdenv;
      pname = "python3";
      passthru = {
        implementation = "cpython";
        pythonVersion = "3.12";
        sourceVersion = { major = "3"; minor = "12"; patch = "11"; suffix = ""; };
      };
      pythonOnBuildForHost = final.uv2nixPython;
    };
  };
  pkgs = import $repo/fixtures/nixpkgs-stub { system = "x86_64-linux"; overlays = [ adapter ]; };
  base = pkgs.callPackage pyproject-nix.build.packages { python = pkgs.uv2nixPython; };
  pythonSet = base.overrideScope overlay;
  closure = pythonSet.resolveVirtualEnv workspace.deps.default;
  force = p: [ p.name (p.pname or null) (p.version or null) (toString p.src) ];
in builtins.length (map force closure)
EOF

n_l2n=$("$NIXI" --eval --strict "$work/lock2nix.nix" 2>"$work/err") || die "evaluating lock2nix's overlay failed: $(tail -5 "$work/err")"
n_uv2nix=$("$NIXI" --eval --strict "$work/uv2nix.nix" 2>"$work/err") || die "evaluating uv2nix's overlay failed: $(tail -5 "$work/err")"

load_before=$(load_average)
: >"$work/a" && : >"$work/b" && : >"$work/t"
run_a() { measure "$NIXI" --eval --strict "$work/lock2nix.nix"; }
run_b() { measure "$NIXI" --eval --strict "$work/uv2nix.nix"; }
run_a >/dev/null && run_b >/dev/null
for ((i = 0; i < RUNS; i++)); do
    if ((i % 2 == 0)); then
        run_a >>"$work/a" && run_b >>"$work/b"
    else
        run_b >>"$work/b" && run_a >>"$work/a"
    fi
    rm -f "$work/t.nix"
    measure "$L2N" translate --lock "$lockdir/uv.lock" --out "$work/t.nix" --python 3.12 --system x86_64-linux --global --allow-missing-hashes >>"$work/t"
done
a=$(cut -d' ' -f1 "$work/a" | median)
b=$(cut -d' ' -f1 "$work/b" | median)
ra=$(cut -d' ' -f2 "$work/a" | median)
rb=$(cut -d' ' -f2 "$work/b" | median)
t=$(cut -d' ' -f1 "$work/t" | median)

rev() { git -C "$1" rev-parse HEAD 2>/dev/null || echo "unknown (not a git checkout)"; }
echo "## compare-uv2nix.sh run ($(date -u +%Y-%m-%dT%H:%MZ), $RUNS alternating runs, medians)"
echo
echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); load average before: $load_before; after: $(load_average)"
echo "- lock: \`${lockdir#"$repo"/}\` ($(grep -c '^\[\[package\]\]' "$lockdir/uv.lock") entries), CPython 3.12, x86_64-linux"
echo "- lock2nix: $("$L2N" --version), commit $(git -C "$repo" rev-parse --short HEAD)"
# a snapshot that is not a checkout may name its commit in a SOURCE.md (as ../shared/nixpkgs-lib does)
librev=$(git -C "$nixlib" rev-parse HEAD 2>/dev/null ||
    grep -o -m1 'commit [0-9a-f]\{40\}' "$nixlib/SOURCE.md" 2>/dev/null | cut -d' ' -f2 ||
    echo "unknown")
echo "- uv2nix: commit $(rev "$uv2nix"); pyproject.nix: commit $(rev "$pyproject"); nixpkgs lib: commit $librev"
echo "- nix-instantiate: $(describe "$NIXI" "$("$NIXI" --version)")"
echo
echo "| overlay | packages forced | eval ms | eval peak RSS MiB | vs lock2nix |"
echo "|---|---|---|---|---|"
echo "| lock2nix | $n_l2n | $(ms "$a") | $(mib "$ra") | 1.00 |"
echo "| uv2nix | $n_uv2nix | $(ms "$b") | $(mib "$rb") | **$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", b / a }')×** |"
echo
echo "lock2nix translate (the work done in Rust beforehand, one system): $(ms "$t") ms; translate + eval: $(ms $((a + t))) ms."
