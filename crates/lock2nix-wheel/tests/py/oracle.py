#!/usr/bin/env python3
"""Oracle for lock2nix-wheel's differential tests: Python's `packaging` library.

Modes (all output is line-oriented, tab-separated):

  oracle.py tags GLIBC MACOS...   tag lists for every system x CPython 3.10-3.14
  oracle.py choose TSV            best wheels per lock entry for every system x CPython
  oracle.py parse TSV             packaging's parse of every wheel file name
  oracle.py host                  sys_tags() of the running interpreter

GLIBC and MACOS are `major.minor` strings. Linux platform lists come from packaging's own
`_linux_platforms()` with the glibc version monkeypatched (the `_manylinux` override module
hidden, musl detection disabled), so the output is what `sys_tags()` would give on a glibc
Linux of that version.
"""
import sys
import sysconfig
import urllib.parse

import packaging
import packaging._manylinux as manylinux
import packaging._musllinux as musllinux
import packaging.tags as tags
import packaging.utils as utils

SYSTEMS = {
    "x86_64-linux": ("linux", "x86_64"),
    "aarch64-linux": ("linux", "aarch64"),
    "x86_64-darwin": ("darwin", "x86_64"),
    "aarch64-darwin": ("darwin", "arm64"),
}
PYTHONS = [(3, minor) for minor in range(10, 15)]
DEFAULT_GLIBC = (2, 40)
DEFAULT_MACOS = (14, 0)  # nixpkgs darwinMinVersion; lock2nix_wheel::DEFAULT_MACOS


def ver(s):
    major, minor = s.split(".")
    return (int(major), int(minor))


def linux_platforms(arch, glibc):
    saved = (sysconfig.get_platform, manylinux._get_glibc_version, musllinux._get_musl_version)
    saved_mod = sys.modules.get("_manylinux", "absent")
    try:
        sysconfig.get_platform = lambda: f"linux-{arch}"
        manylinux._get_glibc_version = lambda: manylinux._GLibCVersion(*glibc)
        musllinux._get_musl_version = lambda executable: None
        sys.modules["_manylinux"] = None  # `import _manylinux` raises ImportError
        if hasattr(manylinux, "_get_manylinux_module"):
            manylinux._get_manylinux_module.cache_clear()
        return list(tags._linux_platforms(is_32bit=False))
    finally:
        sysconfig.get_platform, manylinux._get_glibc_version, musllinux._get_musl_version = saved
        if saved_mod == "absent":
            del sys.modules["_manylinux"]
        else:
            sys.modules["_manylinux"] = saved_mod


def platforms(system, glibc, macos):
    kind, arch = SYSTEMS[system]
    if kind == "linux":
        return linux_platforms(arch, glibc)
    return list(tags.mac_platforms(macos, arch))


def tag_list(python, plats):
    cp = f"cp{python[0]}{python[1]}"
    # packaging < 26.3 treats an empty platform list as "use the host's platforms"; use a
    # placeholder platform instead and drop its tags again.
    dummy = "lock2nix_no_platform"
    given = plats or [dummy]
    out = list(tags.cpython_tags(python, [cp], given)) + list(
        tags.compatible_tags(python, cp, given)
    )
    return [t for t in out if t.platform != dummy]


def read_tsv(path):
    entries = {}
    with open(path) as f:
        for line in f:
            name, version, basename = line.rstrip("\n").split("\t")
            entries.setdefault((name, version), []).append(basename)
    return entries


def wheel_tags(basename):
    try:
        return utils.parse_wheel_filename(urllib.parse.unquote(basename))[3]
    except Exception:
        return None


def main():
    mode = sys.argv[1]
    print(f"packaging\t{packaging.__version__}")
    if mode == "tags":
        glibc, macos = ver(sys.argv[2]), ver(sys.argv[3])
        for system in SYSTEMS:
            plats = platforms(system, glibc, macos)
            print(f"platforms\t{system}\t{' '.join(plats)}")
            for python in PYTHONS:
                out = " ".join(str(t) for t in tag_list(python, plats))
                print(f"tags\t{system}\t{python[0]}.{python[1]}\t{out}")
    elif mode == "choose":
        entries = read_tsv(sys.argv[2])
        parsed = {b: wheel_tags(b) for ws in entries.values() for b in ws}
        for system in SYSTEMS:
            plats = platforms(system, DEFAULT_GLIBC, DEFAULT_MACOS)
            for python in PYTHONS:
                prio = {}
                for i, t in enumerate(tag_list(python, plats)):
                    prio.setdefault(t, i)
                for (name, version), wheels in entries.items():
                    best, winners = None, []
                    for b in wheels:
                        ts = parsed[b]
                        if ts is None:
                            continue
                        p = min((prio[t] for t in ts if t in prio), default=None)
                        if p is None:
                            continue
                        if best is None or p < best:
                            best, winners = p, [b]
                        elif p == best:
                            winners.append(b)
                    best = "-" if best is None else str(best)
                    print(
                        f"choice\t{system}\t{python[0]}.{python[1]}\t{name}\t{version}"
                        f"\t{best}\t{' '.join(winners)}"
                    )
    elif mode == "parse":
        for wheels in read_tsv(sys.argv[2]).values():
            for b in wheels:
                try:
                    name, version, build, ts = utils.parse_wheel_filename(
                        urllib.parse.unquote(b)
                    )
                except Exception as e:
                    print(f"error\t{b}\t{type(e).__name__}")
                    continue
                build = "".join(map(str, build))
                triples = " ".join(sorted(str(t) for t in ts))
                print(f"wheel\t{b}\t{name}\t{version}\t{build}\t{triples}")
    elif mode == "host":
        glibc = manylinux._get_glibc_version()
        print(f"host\t{sys.implementation.name}\t{sys.version_info[0]}.{sys.version_info[1]}"
              f"\t{sysconfig.get_platform()}\t{glibc[0]}.{glibc[1]}"
              f"\t{int(bool(sysconfig.get_config_var('Py_GIL_DISABLED')))}"
              f"\t{int(hasattr(sys, 'gettotalrefcount'))}")
        print("tags\t" + " ".join(str(t) for t in tags.sys_tags()))
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
