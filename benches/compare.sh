#!/usr/bin/env bash
# Side by side, in one run, as whole processes:
#
#   1. `lock2nix translate` (release binary) against `uv export --frozen --format requirements-txt`
#      on the same locks, runs alternating (lock2nix, uv, uv, lock2nix, ...), medians of wall time
#      and of peak RSS (/usr/bin/time -f %M), and the ratio lock2nix / uv;
#   2. `nix-instantiate --eval --strict` of the generated overlay on the nixpkgs stub, forcing every
#      Python package's name, pname, version and source, against `nix-instantiate --eval --strict`
#      of `builtins.fromTOML` of the same uv.lock, alternating too;
#   3. translate on synthetic locks of 1k, 10k and 50k entries (lock2nix-synth): time per entry.
#
# Usage: benches/compare.sh [RUNS]        (RUNS per case, default 11)
# Needs: cargo, uv (pip install uv), nix-instantiate (Debian nix-bin), /usr/bin/time (Debian time).
# hyperfine is not needed (it cannot alternate two commands); the loop below uses date +%s%N.
set -euo pipefail

RUNS=${1:-11}
repo=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$repo/target}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for tool in uv nix-instantiate /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "compare.sh: $tool is missing" >&2; exit 1; }
done

echo "building the release binaries (lock2nix, lock2nix-synth) ..." >&2
(cd "$repo" && CARGO_TARGET_DIR=$target cargo build --release -q -p lock2nix -p lock2nix-bench --bin lock2nix --bin lock2nix-synth)
L2N=$target/release/lock2nix
SYNTH=$target/release/lock2nix-synth

# Run "$@" once; print "<wall ms> <peak RSS KiB>"; stdout and stderr to /dev/null; fail loudly.
measure() {
    local t0 t1
    t0=$(date +%s%N)
    if ! /usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null 2>"$work/err"; then
        echo "compare.sh: failed: $*" >&2
        tail -3 "$work/err" >&2
        exit 1
    fi
    t1=$(date +%s%N)
    echo "$(( (t1 - t0) / 1000 )) $(tail -1 "$work/rss")"
}

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ms() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# Alternate two commands RUNS times each; print "<median a us> <median b us> <median a KiB> <median b KiB>".
# The commands are given as two strings evaluated in their directories.
alternate() {
    local dir_a=$1 cmd_a=$2 dir_b=$3 cmd_b=$4 i
    : >"$work/a" && : >"$work/b"
    (cd "$dir_a" && eval "measure $cmd_a") >/dev/null # warm-up (page cache)
    (cd "$dir_b" && eval "measure $cmd_b") >/dev/null
    for ((i = 0; i < RUNS; i++)); do
        if ((i % 2 == 0)); then
            (cd "$dir_a" && eval "measure $cmd_a") >>"$work/a"
            (cd "$dir_b" && eval "measure $cmd_b") >>"$work/b"
        else
            (cd "$dir_b" && eval "measure $cmd_b") >>"$work/b"
            (cd "$dir_a" && eval "measure $cmd_a") >>"$work/a"
        fi
    done
    echo "$(cut -d' ' -f1 "$work/a" | median) $(cut -d' ' -f1 "$work/b" | median) $(cut -d' ' -f2 "$work/a" | median) $(cut -d' ' -f2 "$work/b" | median)"
}

echo "# lock2nix compare ($(date -u +%Y-%m-%dT%H:%MZ), $RUNS alternating runs per case, medians)"
echo "# machine: $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $("$L2N" --version 2>/dev/null || echo lock2nix), $(uv --version), $(nix-instantiate --version)"
echo
echo "## translate vs uv export"
echo
echo "| lock | lock2nix args | entries | lock size | lock2nix ms | uv export ms | ratio | lock2nix RSS MiB | RSS / lock size | uv RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|"
translate_case() {
    local label=$1 dir=$2 args=$3 size entries r a b ra rb
    size=$(stat -c %s "$dir/uv.lock")
    entries=$(grep -c '^\[\[package\]\]' "$dir/uv.lock")
    r=$(alternate "$dir" "$L2N translate --lock uv.lock --out - $args" "$dir" "uv export --frozen --format requirements-txt --no-progress")
    read -r a b ra rb <<<"$r"
    echo "| $label | \`$args\` | $entries | $(awk -v s="$size" 'BEGIN { printf "%.2f MiB", s / 1048576 }') | $(ms "$a") | $(ms "$b") | **$(ratio "$a" "$b")** | $(awk -v k="$ra" 'BEGIN { printf "%.1f", k / 1024 }') | $(awk -v k="$ra" -v s="$size" 'BEGIN { printf "%.1f", k * 1024 / s }') | $(awk -v k="$rb" 'BEGIN { printf "%.1f", k / 1024 }') |"
}
A=$repo/fixtures/authentik
T1000=$repo/fixtures/locks/top-1000
translate_case authentik "$A" "--allow-missing-hashes"
translate_case authentik "$A" "--allow-missing-hashes --system x86_64-linux"
translate_case top-1000 "$T1000" "--python 3.12"
translate_case top-1000 "$T1000" "--python 3.12 --system x86_64-linux --system aarch64-linux"
translate_case top-1000 "$T1000" "--python 3.12 --system x86_64-linux"
translate_case top-1500 "$repo/fixtures/locks/top-1500" "--python 3.12"
translate_case workspace-mixed "$repo/fixtures/locks/workspace-mixed" ""

echo
echo "## Nix: evaluating the overlay vs fromTOML of the lock"
echo
echo "Overlay: every attribute of the interpreter's package set that is a derivation, with its name, pname, version and src forced (\`nix-instantiate --eval --strict\`, x86_64-linux, the stub \`fixtures/nixpkgs-stub\`). fromTOML: \`builtins.length (builtins.fromTOML (builtins.readFile ./uv.lock)).package\`."
echo
echo "| lock | packages forced | overlay eval ms | fromTOML ms | overlay / fromTOML |"
echo "|---|---|---|---|---|"
nix_case() {
    local label=$1 dir=$2 py=$3 args=$4 index=$5 r a b count
    "$L2N" translate --lock "$dir/uv.lock" --out "$work/$label.nix" --force $args 2>/dev/null
    cat >"$work/$label-eval.nix" <<EOF
let
  pkgs = import $repo/fixtures/nixpkgs-stub { system = "x86_64-linux"; overlays = [ (import $work/$label.nix) ]; index = $index; };
  ps = pkgs.$py.pkgs;
  force = n: let p = ps.\${n}; in if builtins.isAttrs p && (p.type or null) == "derivation"
    then [ n p.name (p.pname or null) (p.version or null) (if p ? src then toString p.src else null) ] else null;
  forced = builtins.filter (x: x != null) (map force (builtins.attrNames ps));
in builtins.length forced
EOF
    cat >"$work/$label-toml.nix" <<EOF
builtins.length (builtins.fromTOML (builtins.readFile $dir/uv.lock)).package
EOF
    count=$(nix-instantiate --eval --strict "$work/$label-eval.nix")
    r=$(alternate "$work" "nix-instantiate --eval --strict $label-eval.nix" "$work" "nix-instantiate --eval --strict $label-toml.nix")
    read -r a b _ _ <<<"$r"
    echo "| $label | $count | $(ms "$a") | $(ms "$b") | **$(ratio "$a" "$b")** |"
}
tsv_to_json() {
    # the authentik-subset TSV (pypi_name, attr, pname, version, ...) as the stub's index list
    awk -F'\t' 'BEGIN { printf "[" } !/^#/ && NF >= 4 && $1 != "pypi_name" { printf "%s{attr=\"%s\";pname=\"%s\";version=\"%s\";}", (n++ ? " " : ""), $2, $3, $4 } END { print "]" }' "$1"
}
nix_case top-1000 "$T1000" python312 "--python 3.12 --system x86_64-linux" "[ ]"
nix_case authentik "$A" python313 "--allow-missing-hashes --system x86_64-linux --index $repo/fixtures/nixpkgs-index/authentik-subset.tsv --policy nixpkgs" "$(tsv_to_json "$repo/fixtures/nixpkgs-index/authentik-subset.tsv")"

echo
echo "## Scaling: translate on synthetic locks (4 systems, CPython 3.12)"
echo
echo "| entries | lock size | translate ms | µs per entry | peak RSS MiB |"
echo "|---|---|---|---|---|"
for n in 1000 10000 50000; do
    "$SYNTH" "$n" "$work/synth-$n" 2>/dev/null
    size=$(stat -c %s "$work/synth-$n/uv.lock")
    : >"$work/s"
    measure "$L2N" translate --lock "$work/synth-$n/uv.lock" --python 3.12 --out - >/dev/null # warm-up
    for ((i = 0; i < (n > 10000 ? 3 : RUNS); i++)); do
        measure "$L2N" translate --lock "$work/synth-$n/uv.lock" --python 3.12 --out - >>"$work/s"
    done
    t=$(cut -d' ' -f1 "$work/s" | median)
    rss=$(cut -d' ' -f2 "$work/s" | median)
    echo "| $n | $(awk -v s="$size" 'BEGIN { printf "%.1f MiB", s / 1048576 }') | $(ms "$t") | $(awk -v t="$t" -v n="$n" 'BEGIN { printf "%.1f", t / n }') | $(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }') |"
done
