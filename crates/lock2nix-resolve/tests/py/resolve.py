#!/usr/bin/env python3
"""Independent reference resolver for lock2nix-resolve's differential tests.

Reads a uv.lock with `tomllib`, evaluates every marker with PyPA `packaging`, and walks the lock
from its roots the way `uv sync --frozen` installs it for one concrete environment:

* the target must satisfy `requires-python` and (when present) one of `supported-markers`;
* roots are `--root` names, else the `[manifest] members` that are source trees, else the
  project at `.`;
* an edge is followed when its marker holds; the marker's `extra` is the *set* of uv's synthetic
  conflict extras (`project-<len>-<root>` for every root, `group-<len>-<root>-<group>` for every
  chosen group, `extra-<len>-<pkg>-<extra>` for every activated extra anywhere in the closure),
  recomputed until it stops changing;
* an edge's marker is evaluated with the extras the edge itself activates counted as active
  (`{ name = "b", extra = ["x"] }` adds `extra-<len>-b-x` while its own marker is evaluated);
* `extra = [...]` on an edge activates those optional dependencies of the target package;
* a root's chosen extras and dependency groups are activated at the root;
* the lock's `[manifest] requirements` are always followed, and its
  `[manifest.dependency-groups]` (groups of a workspace root that is not a project) when chosen:
  each names the package of that name whose `resolution-markers` hold.

Input: one JSON object on stdin:
  {"lock": PATH, "cases": [{"system": "x86_64-linux", "python": "3.12.12", "roots": [...],
    "extras": [...], "groups": [...], "all_groups": bool, "all_extras": bool}, ...]}
Output (stdout): a JSON list, one entry per case:
  {"ok": true, "packages": ["name==version", ...], "extras": {"name": ["extra", ...]}}
  or {"ok": false, "error": "kind: message"} with kind one of python, unsupported, root,
  extra, group, conflict.

Alternatively `--uv-export FILE SYSTEM:PYTHON...` evaluates the markers of a
`uv export --format requirements-txt --no-hashes --no-annotate` file for each target and prints a
JSON object mapping `SYSTEM:PYTHON` to the sorted requirement lines whose marker holds, without
the marker (`name==version`, `-e ./path`, `./path`, `name @ url`).
"""

import json
import re
import sys
import tomllib

from packaging.markers import Marker
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

SYSTEMS = {
    "x86_64-linux": ("linux", "Linux", "x86_64"),
    "aarch64-linux": ("linux", "Linux", "aarch64"),
    "x86_64-darwin": ("darwin", "Darwin", "x86_64"),
    "aarch64-darwin": ("darwin", "Darwin", "arm64"),
}


class ResolveFailure(Exception):
    def __init__(self, kind, message):
        super().__init__(f"{kind}: {message}")
        self.kind = kind


def environment(system, python):
    sys_platform, platform_system, machine = SYSTEMS[system]
    major, minor = python.split(".")[:2]
    return {
        "sys_platform": sys_platform,
        "platform_system": platform_system,
        "platform_machine": machine,
        "os_name": "posix",
        "python_version": f"{major}.{minor}",
        "python_full_version": python,
        "implementation_name": "cpython",
        "implementation_version": python,
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_version": "",
    }


_MARKERS = {}


def holds(marker, env, extras):
    if marker is None:
        return True
    m = _MARKERS.get(marker)
    if m is None:
        m = _MARKERS[marker] = Marker(marker)
    e = dict(env)
    e["extra"] = frozenset(extras)
    return m.evaluate(e)


def norm(name):
    return canonicalize_name(name)


class Lock:
    def __init__(self, path):
        with open(path, "rb") as f:
            self.doc = tomllib.load(f)
        self.packages = self.doc.get("package", self.doc.get("distribution", []))
        self.by_name = {}
        for i, p in enumerate(self.packages):
            self.by_name.setdefault(norm(p["name"]), []).append(i)

    def find(self, dep):
        """The package index an edge points at (uv writes version/source when ambiguous)."""
        cands = self.by_name.get(norm(dep["name"]), [])
        if "version" in dep:
            want = Version(dep["version"])
            cands = [i for i in cands if "version" in self.packages[i]
                     and Version(self.packages[i]["version"]) == want]
        if "source" in dep:
            cands = [i for i in cands if self.packages[i].get("source") == dep["source"]]
        if len(cands) != 1:
            raise ResolveFailure("lock", f"edge {dep} matches {len(cands)} packages")
        return cands[0]

    def label(self, i):
        p = self.packages[i]
        return f"{norm(p['name'])}=={Version(p.get('version', '0.0.0'))}"

    def extras_of(self, i):
        p = self.packages[i]
        names = set(norm(e) for e in p.get("optional-dependencies", {}))
        names |= set(norm(e) for e in p.get("metadata", {}).get("provides-extras", []))
        return names

    def groups_of(self, i):
        p = self.packages[i]
        return {norm(g): deps for g, deps in
                p.get("dev-dependencies", p.get("dependency-groups", {})).items()}

    def roots(self, names):
        if names:
            out = []
            for n in names:
                cands = self.by_name.get(norm(n), [])
                if not cands:
                    raise ResolveFailure("root", f"{n} is not in the lock")
                trees = [i for i in cands if set(self.packages[i]["source"]) & {"editable", "virtual", "directory"}]
                out.append((trees or cands)[0])
            return sorted(set(out))
        members = {norm(m) for m in self.doc.get("manifest", {}).get("members", [])}
        if members:
            return sorted(i for i, p in enumerate(self.packages)
                          if norm(p["name"]) in members
                          and set(p["source"]) & {"editable", "virtual", "directory"})
        return [i for i, p in enumerate(self.packages)
                if p["source"].get("editable") == "." or p["source"].get("virtual") == "."]


def synthetic_name(kind, pkg, rest=None):
    pkg = norm(pkg)
    s = f"{kind}-{len(pkg)}-{pkg}"
    return s if rest is None else f"{s}-{norm(rest)}"


def resolve(lock, case):
    env = environment(case["system"], case["python"])
    rp = lock.doc.get("requires-python")
    if rp is not None and Version(case["python"]) not in SpecifierSet(rp):
        raise ResolveFailure("python", f"{case['python']} not in {rp}")
    supported = lock.doc.get("supported-markers", [])
    if supported and not any(holds(m, env, ()) for m in supported):
        raise ResolveFailure("unsupported", " | ".join(supported))
    roots = lock.roots(case.get("roots", []))
    if not roots:
        raise ResolveFailure("root", "no roots")

    # (package, extra) pairs activated at the roots, and (package, group) pairs.
    root_extras = set()
    wanted = [norm(e) for e in case.get("extras", [])]
    for e in wanted:
        hit = [r for r in roots if e in lock.extras_of(r)]
        if not hit:
            raise ResolveFailure("extra", e)
        root_extras |= {(r, e) for r in hit}
    if case.get("all_extras"):
        root_extras |= {(r, e) for r in roots for e in lock.extras_of(r)}
    root_groups = set()
    manifest = lock.doc.get("manifest", {})
    manifest_groups = {norm(g): deps for g, deps in manifest.get("dependency-groups", {}).items()}
    chosen_manifest = set()
    if case.get("all_groups"):
        root_groups |= {(r, g) for r in roots for g in lock.groups_of(r)}
        chosen_manifest |= set(manifest_groups)
    for g in (norm(g) for g in case.get("groups", [])):
        hit = [r for r in roots if g in lock.groups_of(r)]
        if not hit and g not in manifest_groups:
            raise ResolveFailure("group", g)
        root_groups |= {(r, g) for r in hit}
        if g in manifest_groups:
            chosen_manifest.add(g)
    # requirements of the workspace root itself: (requirement, group or None)
    entries = [(req, None) for req in manifest.get("requirements", [])]
    entries += [(req, g) for g in sorted(chosen_manifest) for req in manifest_groups[g]]

    synthetic = frozenset()
    while True:
        nodes, extras_on, via = walk(lock, env, synthetic, roots, root_extras, root_groups, entries)
        nxt = {synthetic_name("project", lock.packages[r]["name"]) for r in roots}
        nxt |= {synthetic_name("group", lock.packages[r]["name"], g) for r, g in root_groups}
        nxt |= {synthetic_name("extra", lock.packages[i]["name"], e) for i, es in extras_on.items() for e in es}
        nxt = frozenset(nxt)
        if nxt == synthetic:
            break
        synthetic = nxt

    seen = {}
    for i in sorted(nodes):
        n = norm(lock.packages[i]["name"])
        if n in seen:
            a, b = seen[n], i
            raise ResolveFailure(
                "conflict",
                f"{lock.label(a)} via {sorted(via[a])} and {lock.label(b)} via {sorted(via[b])}")
        seen[n] = i
    return {
        "ok": True,
        "packages": sorted(lock.label(i) for i in nodes),
        "extras": {norm(lock.packages[i]["name"]): sorted(es)
                   for i, es in extras_on.items() if es},
    }


def find_by_markers(lock, name, env):
    """The one package of `name` whose resolution-markers hold (or that has none)."""
    hits = [i for i in lock.by_name.get(norm(name), [])
            if not lock.packages[i].get("resolution-markers")
            or any(holds(m, env, ()) for m in lock.packages[i]["resolution-markers"])]
    return hits[0] if len(hits) == 1 else None


def walk(lock, env, synthetic, roots, root_extras, root_groups, entries=()):
    nodes = set()
    extras_on = {}
    via = {}
    # work items: ("pkg", i) | ("extra", i, e) | ("group", i, g)
    todo = []

    def reach(i, extras, frm):
        via.setdefault(i, set()).add(frm)
        if i not in nodes:
            nodes.add(i)
            todo.append(("pkg", i))
        have = extras_on.setdefault(i, set())
        for e in extras:
            e = norm(e)
            if e not in have:
                have.add(e)
                todo.append(("extra", i, e))

    for r in roots:
        reach(r, [e for (rr, e) in root_extras if rr == r], "root")
    for r, g in root_groups:
        todo.append(("group", r, g))
    for req, g in entries:
        if holds(req.get("marker"), env, ()):
            i = find_by_markers(lock, req["name"], env)
            if i is not None:
                reach(i, req.get("extras", []), "workspace root")
    while todo:
        item = todo.pop()
        i = item[1]
        p = lock.packages[i]
        if item[0] == "pkg":
            deps = p.get("dependencies", [])
        elif item[0] == "extra":
            deps = {norm(k): v for k, v in p.get("optional-dependencies", {}).items()}.get(item[2], [])
        else:
            deps = lock.groups_of(i).get(item[2], [])
        for d in deps:
            target = lock.find(d)
            own = {synthetic_name("extra", lock.packages[target]["name"], e) for e in d.get("extra", [])}
            if holds(d.get("marker"), env, synthetic | own):
                reach(target, d.get("extra", []), lock.label(i))
    return nodes, extras_on, via


REQ = re.compile(r"^(?P<req>[^;]+?)\s*(;\s*(?P<marker>.+))?$")


def uv_export(path, system, python):
    env = environment(system, python)
    out = []
    with open(path) as f:
        lines = [l.rstrip("\n") for l in f]
    # join continuation lines
    joined, cur = [], ""
    for l in lines:
        if l.endswith("\\"):
            cur += l[:-1]
            continue
        joined.append(cur + l)
        cur = ""
    for l in joined:
        s = l.strip()
        if not s or s.startswith("#"):
            continue
        m = REQ.match(s)
        req, marker = m.group("req").strip(), m.group("marker")
        if holds(marker, env, ()):
            out.append(req)
    return sorted(out)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "--uv-export":
        out = {}
        for t in sys.argv[3:]:
            system, python = t.split(":")
            out[t] = uv_export(sys.argv[2], system, python)
        json.dump(out, sys.stdout)
        return
    job = json.load(sys.stdin)
    lock = Lock(job["lock"])
    results = []
    for case in job["cases"]:
        try:
            results.append(resolve(lock, case))
        except ResolveFailure as e:
            results.append({"ok": False, "error": str(e)})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
