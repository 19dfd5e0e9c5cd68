# Finding the programs the benchmark scripts time (sourced by compare.sh and compare-uv2nix.sh).
#
# A timed program must be the program itself: a wrapper script (pyenv's `uv` shim, a Nix store
# wrapper) adds its own start-up to every run, and pyenv's shim roughly doubles uv's wall time.
# So every tool is resolved to a file, followed through symlinks, and refused when that file is a
# script (it starts with `#!`, or `file` calls it a script).

# die MESSAGE...: print to stderr and exit 1.
die() {
    echo "${0##*/}: $*" >&2
    exit 1
}

# refuse_wrapper NAME PATH: fail unless PATH (followed through symlinks) is an executable that is
# not a script.
refuse_wrapper() {
    local name=$1 path=$2 target
    target=$(readlink -f -- "$path") || die "$name: cannot resolve $path"
    [[ -f $target && -x $target ]] || die "$name: $path ($target) is not an executable file"
    if [[ $(head -c 2 -- "$target") == '#!' ]]; then
        die "$name: $path is a script ($target starts with #!), not the program; set ${name^^}=/path/to/the/real/$name"
    fi
    if command -v file >/dev/null && file -b -- "$target" | grep -qi 'script'; then
        die "$name: $path is a script ($(file -b -- "$target")), not the program; set ${name^^}=/path/to/the/real/$name"
    fi
}

# find_uv: print the uv executable to time: $UV, else the binary of the `uv` Python package
# (`pip install uv`), else `uv` on PATH; refused when it is a script.
find_uv() {
    local uv=${UV:-}
    if [[ -z $uv ]]; then
        uv=$(python3 -c 'import uv; print(uv.find_uv_bin())' 2>/dev/null) || uv=
    fi
    if [[ -z $uv ]]; then
        uv=$(command -v uv) || die "uv: not found (set UV=/path/to/uv, or pip install uv)"
    fi
    uv=$(command -v -- "$uv") || die "uv: $uv is not executable"
    refuse_wrapper uv "$uv"
    echo "$uv"
}

# find_tool NAME [VARIABLE]: print NAME's path ($VARIABLE if set, else PATH); refused when it is a
# script. The path is kept as found (not the symlink's target): `nix-instantiate` is a symlink to
# `nix`, which behaves by the name it is called with.
find_tool() {
    local name=$1 var=${2:-} path
    path=${var:+${!var:-}}
    path=${path:-$name}
    path=$(command -v -- "$path") || die "$name: not found"
    refuse_wrapper "$name" "$path"
    echo "$path"
}

# describe PATH VERSION: `PATH (→ target) — VERSION`, the target only when it differs.
describe() {
    local path=$1 version=$2 target
    target=$(readlink -f -- "$path")
    if [[ $target == "$path" ]]; then
        echo "\`$path\` — $version"
    else
        echo "\`$path\` (→ \`$target\`) — $version"
    fi
}

# load_average: the 1-, 5- and 15-minute load averages.
load_average() {
    cut -d' ' -f1-3 /proc/loadavg
}
