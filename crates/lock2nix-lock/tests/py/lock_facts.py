#!/usr/bin/env python3
"""An independent reader of uv.lock, for the differential test of lock2nix-lock.

Reads a uv.lock with Python's tomllib (and canonicalises versions with `packaging`) and prints, as
JSON, the facts the Rust reader must agree with: counts, per-package identity and source kind,
wheel/sdist counts, every dependency edge (resolved to its target the way uv does: by name, then
by the edge's version/source when given), and every hash with its Nix SRI form.

Usage: lock_facts.py PATH/TO/uv.lock
"""
import base64
import json
import re
import sys
import tomllib

from packaging.version import Version

KINDS = ["registry", "git", "url", "path", "directory", "editable", "virtual"]


def norm_name(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def canon_version(v):
    return None if v is None else str(Version(v))


def source_kind(src):
    if isinstance(src, str):  # legacy `kind+location`
        kind = src.split("+", 1)[0]
        return "url" if kind == "direct" else kind
    found = [k for k in KINDS if k in src]
    if not found:
        raise SystemExit(f"source without a kind: {src!r}")
    return found[0]


def sri(h):
    algo, hexdigits = h.split(":", 1)
    return f"{algo}-" + base64.b64encode(bytes.fromhex(hexdigits)).decode()


def main(path):
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    pkgs = doc.get("package", doc.get("distribution", []))
    by_name = {}
    for i, p in enumerate(pkgs):
        by_name.setdefault(norm_name(p["name"]), []).append(i)

    def resolve(dep):
        cands = by_name.get(norm_name(dep["name"]), [])
        if "version" in dep:
            cands = [c for c in cands if pkgs[c].get("version") == dep["version"]]
        if "source" in dep:
            cands = [c for c in cands if pkgs[c]["source"] == dep["source"]]
        if len(cands) != 1:
            raise SystemExit(f"edge {dep!r} matches {len(cands)} packages")
        return cands[0]

    counts = {k: 0 for k in KINDS}
    packages, edges, hashes = [], [], []
    for p in pkgs:
        kind = source_kind(p["source"])
        counts[kind] += 1
        name, version = norm_name(p["name"]), canon_version(p.get("version"))
        wheels = p.get("wheels", [])
        sdist = p.get("sdist")
        packages.append(
            {
                "name": name,
                "version": version,
                "source_kind": kind,
                "wheels": len(wheels),
                "sdist": sdist is not None,
                "resolution_markers": len(p.get("resolution-markers", [])),
            }
        )
        groups = [("dependencies", p.get("dependencies", []))]
        for extra, deps in sorted(p.get("optional-dependencies", {}).items(), key=lambda kv: norm_name(kv[0])):
            groups.append((f"extra:{norm_name(extra)}", deps))
        dev = p.get("dev-dependencies", p.get("dependency-groups", {}))
        for group, deps in sorted(dev.items(), key=lambda kv: norm_name(kv[0])):
            groups.append((f"group:{norm_name(group)}", deps))
        for where, deps in groups:
            for d in deps:
                t = pkgs[resolve(d)]
                edges.append(
                    {
                        "from": f"{name}=={version}",
                        "where": where,
                        "to": norm_name(d["name"]),
                        "target": f"{norm_name(t['name'])}=={canon_version(t.get('version'))}",
                        "extras": [norm_name(e) for e in d.get("extra", [])],
                        "marker": d.get("marker"),
                    }
                )
        if sdist is not None and "hash" in sdist:
            hashes.append({"package": f"{name}=={version}", "file": "sdist",
                           "hash": sdist["hash"].lower(), "sri": sri(sdist["hash"])})
        for i, w in enumerate(wheels):
            if "hash" in w:
                hashes.append({"package": f"{name}=={version}", "file": f"wheel[{i}]",
                               "hash": w["hash"].lower(), "sri": sri(w["hash"])})
    out = {
        "version": doc["version"],
        "revision": doc.get("revision", 0),
        "requires_python": doc.get("requires-python"),
        "resolution_markers": len(doc.get("resolution-markers", [])),
        "members": sorted(norm_name(m) for m in doc.get("manifest", {}).get("members", [])),
        "package_count": len(pkgs),
        "source_counts": counts,
        "wheel_count": sum(p["wheels"] for p in packages),
        "sdist_count": sum(1 for p in packages if p["sdist"]),
        "packages": packages,
        "edges": edges,
        "hashes": hashes,
    }
    json.dump(out, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1])
