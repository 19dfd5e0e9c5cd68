#!/usr/bin/env bash
# Side by side, in one run, as whole processes, printed as Markdown ready to paste into
# docs/performance.md:
#
#   1. `lock2nix translate` (release binary) against `uv export --frozen --format requirements-txt`
#      on the same locks, each writing its output to a file (removed before every run, so that
#      every run writes it afresh), runs alternating (lock2nix, uv, uv, lock2nix, ...), medians of
#      wall time and of peak RSS (each process timed from its spawn to its `wait4`, which also gives
#      its peak RSS, by lock2nix-spawn-time), and the ratio lock2nix / uv;
#   2. `nix-instantiate --eval --strict` of the generated overlay on the nixpkgs stub, forcing every
#      Python package's name, pname, version and source, against `nix-instantiate --eval --strict`
#      of `builtins.fromTOML` of the same uv.lock, alternating too;
#   3. translate on synthetic locks of 1k, 10k and 50k entries (lock2nix-synth): time per entry.
#
# Usage: benches/compare.sh [--write] [RUNS]        (RUNS per case, default 11)
#
# --write also puts the results where they are published: the whole report into
# docs/performance.md (between `<!-- compare.sh report -->` and `<!-- end of compare.sh report -->`)
# and a summary table into README.md (between `<!-- compare.sh summary -->` and
# `<!-- end of compare.sh summary -->`); nothing else in those files changes.
#
# The tools timed are the programs themselves, never wrapper scripts (benches/tools.sh): uv is
# $UV, else the binary of the `uv` Python package (`python3 -c 'import uv; print(uv.find_uv_bin())'`),
# else `uv` on PATH followed through symlinks; nix-instantiate is $NIX_INSTANTIATE or PATH's. A
# script (pyenv's shim, which doubles uv's wall time) is refused. Their paths and versions, the
# commit measured and the machine's load before and after are printed with the results.
#
# Outputs go to a directory on tmpfs (/dev/shm) when there is one: translate writes its overlay
# atomically and fsyncs it, which on a disk measures the disk, not the translation; the directory
# and its file system are printed.
#
# Needs: cargo, uv (pip install uv), nix-instantiate (Debian nix-bin). hyperfine is not needed (it
# cannot alternate two commands).
set -euo pipefail

WRITE=
if [[ ${1:-} == --write ]]; then
    WRITE=1
    shift
fi
RUNS=${1:-11}
repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=benches/tools.sh
. "$repo/benches/tools.sh"
target=$(realpath -m "${CARGO_TARGET_DIR:-$repo/target}")
work=$(mktemp -d)
out=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$work" "$out"' EXIT

UV=$(find_uv)
NIXI=$(find_tool nix-instantiate NIX_INSTANTIATE)

echo "building the release binaries (lock2nix, lock2nix-synth, lock2nix-spawn-time) ..." >&2
(cd "$repo" && CARGO_TARGET_DIR=$target cargo build --release -q -p lock2nix -p lock2nix-bench --bin lock2nix --bin lock2nix-synth --bin lock2nix-spawn-time)
L2N=$target/release/lock2nix
SYNTH=$target/release/lock2nix-synth
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
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# alternate A B: run the shell functions A and B (each prints "<µs> <KiB>") RUNS times each,
# alternating which goes first, after one warm-up run of each (page cache); print
# "<median A µs> <median B µs> <median A KiB> <median B KiB>".
alternate() {
    local a=$1 b=$2 i
    : >"$work/a" && : >"$work/b"
    "$a" >/dev/null && "$b" >/dev/null
    for ((i = 0; i < RUNS; i++)); do
        if ((i % 2 == 0)); then
            "$a" >>"$work/a" && "$b" >>"$work/b"
        else
            "$b" >>"$work/b" && "$a" >>"$work/a"
        fi
    done
    echo "$(cut -d' ' -f1 "$work/a" | median) $(cut -d' ' -f1 "$work/b" | median) $(cut -d' ' -f2 "$work/a" | median) $(cut -d' ' -f2 "$work/b" | median)"
}

# The case being measured (set by translate_case).
CASE_DIR=
CASE_ARGS=()
run_translate() {
    rm -f "$out/overlay.nix"
    (cd "$CASE_DIR" && measure "$L2N" translate --lock uv.lock --out "$out/overlay.nix" "${CASE_ARGS[@]}")
}
run_export() {
    rm -f "$out/requirements.txt"
    (cd "$CASE_DIR" && measure "$UV" export --frozen --format requirements-txt --no-progress -o "$out/requirements.txt")
}

commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null) ]]; then
    commit="$commit (with uncommitted changes)"
fi
load_before=$(load_average)

report() {
declare -gA RATIO RSS_PER_SIZE NIX_RATIO
echo "### compare.sh run ($(date -u +%Y-%m-%dT%H:%MZ), $RUNS alternating runs per case, medians)"
echo
echo "- machine: $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); load average (1, 5, 15 min) before the run: $load_before"
echo "- lock2nix: $(describe "$L2N" "$("$L2N" --version 2>/dev/null || echo lock2nix)"), commit $commit"
echo "- uv: $(describe "$UV" "$("$UV" --version)")"
echo "- nix-instantiate: $(describe "$NIXI" "$("$NIXI" --version)")"
echo "- outputs: \`$out\` ($(stat -f -c %T "$out")), each removed before every run"
echo
echo "#### translate vs uv export"
echo
echo "| lock | lock2nix args | entries | lock size | lock2nix ms | uv export ms | ratio | lock2nix RSS MiB | RSS / lock size | uv RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|"
# translate_case LABEL DIR ARGS...
translate_case() {
    local label=$1 dir=$2 size entries r a b ra rb
    shift 2
    CASE_DIR=$dir
    CASE_ARGS=("$@")
    size=$(stat -c %s "$dir/uv.lock")
    entries=$(grep -c '^\[\[package\]\]' "$dir/uv.lock")
    r=$(alternate run_translate run_export)
    read -r a b ra rb <<<"$r"
    RATIO["$label $*"]=$(ratio "$a" "$b")
    RSS_PER_SIZE["$label $*"]=$(awk -v k="$ra" -v s="$size" 'BEGIN { printf "%.1f", k * 1024 / s }')
    echo "| $label | \`$*\` | $entries | $(awk -v s="$size" 'BEGIN { printf "%.2f MiB", s / 1048576 }') | $(ms "$a") | $(ms "$b") | **${RATIO["$label $*"]}** | $(mib "$ra") | ${RSS_PER_SIZE["$label $*"]} | $(mib "$rb") |"
}
A=$repo/fixtures/authentik
T1000=$repo/fixtures/locks/top-1000
T1500=$repo/fixtures/locks/top-1500
translate_case authentik "$A" --allow-missing-hashes
translate_case authentik "$A" --allow-missing-hashes --system x86_64-linux
translate_case top-1000 "$T1000" --python 3.12
translate_case top-1000 "$T1000" --python 3.12 --system x86_64-linux --system aarch64-linux
translate_case top-1000 "$T1000" --python 3.12 --system x86_64-linux
translate_case top-1500 "$T1500" --python 3.12
translate_case workspace-mixed "$repo/fixtures/locks/workspace-mixed"

echo
echo "#### Nix: evaluating the overlay vs fromTOML of the lock"
echo
echo "Overlay: every attribute of the interpreter's package set that is a derivation, with its name, pname, version and src forced (\`nix-instantiate --eval --strict\`, x86_64-linux, the stub \`fixtures/nixpkgs-stub\`). fromTOML: \`builtins.length (builtins.fromTOML (builtins.readFile ./uv.lock)).package\`."
echo
echo "| lock | packages forced | overlay eval ms | fromTOML ms | overlay / fromTOML |"
echo "|---|---|---|---|---|"
EVAL_FILE=
TOML_FILE=
run_eval() { (cd "$work" && measure "$NIXI" --eval --strict "$EVAL_FILE"); }
run_toml() { (cd "$work" && measure "$NIXI" --eval --strict "$TOML_FILE"); }
# nix_case LABEL DIR PYTHON INDEX ARGS...
nix_case() {
    local label=$1 dir=$2 py=$3 index=$4 r a b count
    shift 4
    "$L2N" translate --lock "$dir/uv.lock" --out "$work/$label.nix" --force "$@" 2>/dev/null
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
    EVAL_FILE=$label-eval.nix
    TOML_FILE=$label-toml.nix
    count=$("$NIXI" --eval --strict "$work/$label-eval.nix")
    r=$(alternate run_eval run_toml)
    read -r a b _ _ <<<"$r"
    NIX_RATIO[$label]=$(ratio "$a" "$b")
    echo "| $label | $count | $(ms "$a") | $(ms "$b") | **${NIX_RATIO[$label]}** |"
}
tsv_to_json() {
    # the authentik-subset TSV (pypi_name, attr, pname, version, ...) as the stub's index list
    awk -F'\t' 'BEGIN { printf "[" } !/^#/ && NF >= 4 && $1 != "pypi_name" { printf "%s{attr=\"%s\";pname=\"%s\";version=\"%s\";}", (n++ ? " " : ""), $2, $3, $4 } END { print "]" }' "$1"
}
# The overlay's interpreter: the private one it defines (the roots' set), else python312's.
nix_case top-1000 "$T1000" python312 "[ ]" --python 3.12 --system x86_64-linux --global
nix_case authentik "$A" python313 "$(tsv_to_json "$repo/fixtures/nixpkgs-index/authentik-subset.tsv")" --allow-missing-hashes --system x86_64-linux --index "$repo/fixtures/nixpkgs-index/authentik-subset.tsv" --policy nixpkgs --global

echo
echo "#### Scaling: translate on synthetic locks (4 systems, CPython 3.12)"
echo
echo "| entries | lock size | translate ms | µs per entry | peak RSS MiB | RSS / lock size |"
echo "|---|---|---|---|---|---|"
declare -ga PER_ENTRY=()
for n in 1000 10000 50000; do
    "$SYNTH" "$n" "$work/synth-$n" 2>/dev/null
    size=$(stat -c %s "$work/synth-$n/uv.lock")
    : >"$work/s"
    CASE_DIR=$work/synth-$n
    CASE_ARGS=(--python 3.12)
    run_translate >/dev/null # warm-up
    for ((i = 0; i < (n > 10000 ? 3 : RUNS); i++)); do
        run_translate >>"$work/s"
    done
    t=$(cut -d' ' -f1 "$work/s" | median)
    rss=$(cut -d' ' -f2 "$work/s" | median)
    PER_ENTRY+=("$(awk -v t="$t" -v n="$n" 'BEGIN { printf "%.1f", t / n }')")
    echo "| $n | $(awk -v s="$size" 'BEGIN { printf "%.1f MiB", s / 1048576 }') | $(ms "$t") | ${PER_ENTRY[-1]} | $(mib "$rss") | $(awk -v k="$rss" -v s="$size" 'BEGIN { printf "%.1f", k * 1024 / s }') |"
done

# met LIMIT VALUE...: "met" when every VALUE is at most LIMIT.
met() {
    local limit=$1 v
    shift
    for v in "$@"; do
        awk -v v="$v" -v l="$limit" 'BEGIN { exit !(v <= l) }' || {
            echo "not met"
            return
        }
    done
    echo "met"
}
r1000=${RATIO["top-1000 --python 3.12"]}
r1500=${RATIO["top-1500 --python 3.12"]}
m1000=${RSS_PER_SIZE["top-1000 --python 3.12"]}
m1500=${RSS_PER_SIZE["top-1500 --python 3.12"]}
echo
echo "#### Goals (issue 16)"
echo
echo "- translate / uv export ≤ 0.33 on top-1000 and top-1500 (default systems): $r1000 and $r1500 — $(met 0.33 "$r1000" "$r1500")"
echo "- peak RSS ≤ 8× the lock's size there: $m1000× and $m1500× — $(met 8 "$m1000" "$m1500")"
echo "- per-entry cost at 1k / 10k / 50k synthetic entries: ${PER_ENTRY[0]} / ${PER_ENTRY[1]} / ${PER_ENTRY[2]} µs"
echo "- load average (1, 5, 15 min) before the run: $load_before; after: $(load_average)$(busy && echo " — busy: above the $(nproc) CPUs, so wall times are inflated, translate's (two threads) more than uv's")"

}

# The README's summary of the report (written by --write).
summary() {
    local a1=${RATIO["authentik --allow-missing-hashes"]} a1m=${RSS_PER_SIZE["authentik --allow-missing-hashes"]}
    local t1=${RATIO["top-1000 --python 3.12 --system x86_64-linux"]} t1m=${RSS_PER_SIZE["top-1000 --python 3.12 --system x86_64-linux"]}
    echo "From \`benches/compare.sh\` on $(date -u +%Y-%m-%d), commit $commit, uv $("$UV" --version | cut -d' ' -f2) (\`$UV\`, the binary, not a shim), $(nproc) CPUs, load average before / after: $load_before / $(load_average) (full tables and method in \`docs/performance.md\`):"
    echo
    echo "| lock | translate / uv export (time) | translate peak RSS / lock size | overlay eval / fromTOML (nix-instantiate) |"
    echo "|---|---|---|---|"
    echo "| authentik (254 entries, default systems) | $a1 | $a1m× | ${NIX_RATIO[authentik]} |"
    echo "| top-1000 (1,168 entries, default systems: the two Linux ones resolve) | $r1000 | $m1000× | ${NIX_RATIO[top-1000]} |"
    echo "| top-1000, one system | $t1 | $t1m× | |"
    echo "| top-1500 (1,660 entries, default systems) | $r1500 | $m1500× | |"
    echo
    echo "Synthetic locks of 1k, 10k and 50k entries take ${PER_ENTRY[0]}, ${PER_ENTRY[1]} and ${PER_ENTRY[2]} µs per entry (four systems)."
    if busy; then
        echo
        echo "The machine was busy during this run (load average above its $(nproc) CPUs): wall times are inflated, and more so for translate, which spreads its work over two threads, than for uv."
    fi
}

# busy: true when the 1-minute load average before the run exceeded the CPU count.
busy() {
    awk -v l="${load_before%% *}" -v n="$(nproc)" 'BEGIN { exit !(l > n) }'
}

# splice FILE BEGIN END TEXT_FILE: replace the lines strictly between the marker lines BEGIN and
# END of FILE with TEXT_FILE's contents.
splice() {
    local file=$1 begin=$2 end=$3 text=$4
    grep -qxF -- "$begin" "$file" && grep -qxF -- "$end" "$file" || die "$file lacks the markers $begin / $end"
    awk -v b="$begin" -v e="$end" -v t="$text" '
        $0 == b { print; while ((getline line < t) > 0) print line; skip = 1; next }
        $0 == e { skip = 0 }
        !skip { print }' "$file" >"$file.tmp" && mv "$file.tmp" "$file"
}

echo "running (a few minutes; the report follows at the end) ..." >&2
# not in a pipeline: the report's figures (RATIO, ...) are needed by the summary afterwards
report >"$work/report.md"
cat "$work/report.md"
if [[ -n $WRITE ]]; then
    summary >"$work/summary.md"
    splice "$repo/docs/performance.md" "<!-- compare.sh report -->" "<!-- end of compare.sh report -->" "$work/report.md"
    splice "$repo/README.md" "<!-- compare.sh summary -->" "<!-- end of compare.sh summary -->" "$work/summary.md"
    echo "compare.sh: wrote the report into docs/performance.md and the summary into README.md" >&2
fi
