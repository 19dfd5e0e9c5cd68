#!/usr/bin/env python3
"""Write the seed corpora of the fuzz targets from the repository's fixtures.

Usage: python3 fuzz/seeds/make_seeds.py OUT_DIR   (writes OUT_DIR/<target>/<name>)

- lock: every fixtures/bad-locks/*.lock and small sub-locks cut from the
  real locks: a package and its dependency closure (uv's own text for each [[package]] table), with
  a virtual root that depends on it, so that the seed resolves; one sub-lock of 70 small packages
  exercises the parallel (split) parse.
- pyproject: every pyproject.toml under fixtures/.
- git_url: every git source URL in the real locks, plus variants.
- wheel_name: a sample of distinct wheel file names / URLs from the real locks.
- nar: a few byte strings (the input is decoded with `arbitrary`).
- nix_string: hostile strings for the Nix escaper.
- index_tsv: every index under fixtures/nixpkgs-index/ (and slices of them: the header lines and a
  run of rows each), the nixpkgs-mini indexes written in the v1 layout.
- nixpkgs_scan: fixtures/nixpkgs-mini as one input (`=== <path>` lines start each file), and each
  of its recipes alone under a one-line package set.

- marker: every distinct marker of the real locks, and hostile shapes (deep, wide, exponential).
- marker_shape: a few byte strings (the input is decoded with `arbitrary`).
"""
import hashlib, os, re, sys, tomllib, random

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
fx = os.path.join(root, "fixtures")
out = sys.argv[1]
rng = random.Random(20250101)


def put(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


locks = [os.path.join(fx, p, "uv.lock") for p in
         ["authentik", "locks/top-300", "locks/top-1000", "locks/top-1500", "locks/workspace-mixed"]]

# lock
bad = os.path.join(fx, "bad-locks")
for n in sorted(os.listdir(bad)):
    if n.endswith(".lock"):
        put("lock", "bad-" + n, open(os.path.join(bad, n), "rb").read())
# (the 295 KB workspace-mixed lock is larger than the fuzzing max_len; the tests cover it)

for path in locks[:4]:
    text = open(path).read()
    data = tomllib.loads(text)
    starts = [m.start() for m in re.finditer(r"(?m)^\[\[package\]\]\n", text)]
    header = text[: starts[0]]
    blocks = [text[s:e] for s, e in zip(starts, starts[1:] + [len(text)])]
    pkgs = data["package"]
    by_name = {}
    for i, p in enumerate(pkgs):
        by_name.setdefault(p["name"], []).append(i)

    def closure(i):
        seen, todo = set(), [i]
        while todo:
            j = todo.pop()
            if j in seen:
                continue
            seen.add(j)
            p = pkgs[j]
            deps = list(p.get("dependencies", []))
            for v in p.get("optional-dependencies", {}).values():
                deps += v
            for d in deps:
                cands = by_name.get(d["name"], [])
                if "version" in d:
                    cands = [c for c in cands if pkgs[c].get("version") == d["version"]]
                todo += cands
        return seen

    picked = 0
    order = list(range(len(pkgs)))
    rng.shuffle(order)
    for i in order:
        if pkgs[i]["source"].get("virtual") or pkgs[i]["source"].get("editable"):
            continue
        c = closure(i)
        body = "".join(blocks[j] for j in sorted(c))
        if not (1 <= len(c) <= 8) or len(body) > 24000:
            continue
        root_pkg = (
            '[[package]]\nname = "seed-root"\nversion = "0.1.0"\nsource = { virtual = "." }\n'
            f'dependencies = [\n    {{ name = "{pkgs[i]["name"]}" }},\n]\n\n'
        )
        put("lock", f"{os.path.basename(os.path.dirname(path))}-{pkgs[i]['name']}.lock",
            header + root_pkg + body)
        picked += 1
        if picked >= 12:
            break

# 70 small leaf packages (pure-Python wheels) from top-1500: the split parse
text = open(locks[3]).read()
data = tomllib.loads(text)
starts = [m.start() for m in re.finditer(r"(?m)^\[\[package\]\]\n", text)]
blocks = [text[s:e] for s, e in zip(starts, starts[1:] + [len(text)])]
small = [b for p, b in zip(data["package"], blocks)
         if not p.get("dependencies") and len(b) < 900 and "virtual" not in p["source"]]
put("lock", "split-70-leaves.lock", text[: starts[0]] + "".join(small[:70]))

# pyproject
for dirpath, _, files in os.walk(fx):
    for n in files:
        if n == "pyproject.toml":
            rel = os.path.relpath(os.path.join(dirpath, n), fx).replace("/", "_")
            put("pyproject", rel, open(os.path.join(dirpath, n), "rb").read())

# git_url
urls = set()
for path in locks:
    urls.update(re.findall(r'git = "([^"]*)"', open(path).read()))
sha = "ceb4fcc090851717a3069d78e85ceb1e86c2740c"
urls.update([
    f"https://github.com/pypa/hatch.git?subdirectory=backend&lfs=true&rev=hatchling-v1.27.0#{sha}",
    f"https://h/r?branch=feature%2Fx&path=dist%2Fa+b.tar.gz&unknown=1#{sha}",
    f"git@github.com:o/r.git?tag=v1#{sha.upper()}",
    f"ssh://git@host/r?rev={sha}#{sha}",
    "https://h/r#", "https://h/r", f"?rev=x#{sha}",
])
for u in sorted(urls):
    put("git_url", hashlib.sha1(u.encode()).hexdigest()[:16], u)

# wheel_name
wheels = set()
for path in locks:
    for m in re.finditer(r'url = "([^"]*\.whl)"', open(path).read()):
        wheels.add(m.group(1))
wheels = sorted(wheels)
sample = set(rng.sample(wheels, min(150, len(wheels))))
sample.update(w.rsplit("/", 1)[-1] for w in rng.sample(wheels, 50))
sample.update([
    "torch-2.4.1%2Bcpu-cp312-cp312-linux_x86_64.whl", "pkg-1.0-1a-py2.py3-none-any.whl",
    "a-1-py3-none-any.whl?x#y", "x.whl", "-----.whl",
])
for w in sorted(sample):
    put("wheel_name", hashlib.sha1(w.encode()).hexdigest()[:16], w)

# nar
for i in range(8):
    put("nar", f"random-{i}", bytes(rng.randrange(256) for _ in range(rng.randrange(8, 200))))

# nix_string
for i, s in enumerate([
    "", "a", "hello world", "${x}", "$${x}", "''", "'''", "''${", "\\", "\"", "\n", "\r\n", "\t",
    "'", "x'", "'$", "$", "a$", "${", "''\\n", "with space", "if", "__curPos", "1x", "a.b",
    "é ünïcødé ☃ 𝄞", "\x01\x7f", "line\n  indented\n", "  leading", "trailing  ",
]):
    put("nix_string", f"seed-{i:02}", s)

# index_tsv
idx_dir = os.path.join(fx, "nixpkgs-index")
for n in sorted(os.listdir(idx_dir)):
    if not n.endswith(".tsv"):
        continue
    lines = open(os.path.join(idx_dir, n)).read().split("\n")
    head = 1 if lines[0].startswith("pypi_name") else 2
    put("index_tsv", n, "\n".join(lines))
    for k, start in enumerate(range(head, len(lines), 40)):
        put("index_tsv", f"{n}-slice-{k:03}", "\n".join(lines[:head] + lines[start:start + 40]) + "\n")
v1_head = "attr\tscope\tpname\tversion\tversion_expr\tbroken\tdisabled\tfailed\tpypi_name\tnixpkgs_commit\tnote"
put("index_tsv", "v1-sample", "# lock2nix-index v1 python=3.13 nixpkgs=abc source=scan\n" + v1_head + "\n"
    + "automat\tpython\tAutomat\t25.4.16\t\tfalse\tfalse\t\t\t\t\n"
    + "\t\t\t\t\t\t\t\tansicon\t\tmissing\n")

# nixpkgs_scan
mini = os.path.join(fx, "nixpkgs-mini")
pp = open(os.path.join(mini, "pkgs/top-level/python-packages.nix")).read()
parts = [pp]
recipes = []
for d, _, fs in sorted(os.walk(mini)):
    for f in sorted(fs):
        rel = os.path.relpath(os.path.join(d, f), mini)
        if rel == "pkgs/top-level/python-packages.nix" or not f.endswith(".nix"):
            continue
        text = open(os.path.join(d, f)).read()
        parts.append(f"=== {rel}\n{text}")
        if rel.startswith("pkgs/development/python-modules/"):
            recipes.append((rel, text))
put("nixpkgs_scan", "nixpkgs-mini", "\n".join(parts))
for rel, text in recipes:
    name = rel.split("/")[3]
    target = "../" + "/".join(rel.split("/")[1:])
    one = f"self: super: with self; {{ {name} = callPackage {target} {{ }}; }}\n=== {rel}\n{text}"
    put("nixpkgs_scan", "recipe-" + rel.replace("/", "-"), one)

# marker: every distinct marker of the real locks, and hostile shapes (deep, wide, exponential)
markers = set()
def walk_markers(o, key=None):
    if isinstance(o, dict):
        for k, v in o.items():
            walk_markers(v, k)
    elif isinstance(o, list):
        for v in o:
            walk_markers(v, key)
    elif isinstance(o, str) and key in ("marker", "resolution-markers", "supported-markers", "required-markers"):
        markers.add(o)
for p in locks:
    walk_markers(tomllib.load(open(p, "rb")))
for m in sorted(markers):
    put("marker", "real-" + hashlib.sha1(m.encode()).hexdigest()[:16], m)
for name, m in [
    ("deep-40", "(" * 40 + "os_name == 'nt'" + ")" * 40),
    ("wide-extras-300", " or ".join(f"extra == 'e{i}'" for i in range(300))),
    ("wide-versions-300", " or ".join(f"python_full_version == '3.{i}'" for i in range(300))),
    ("pairs-20", " or ".join(f"(extra == 'a{i:03}' and extra == 'z{i:03}')" for i in range(20))),
    ("no-space", "(python_version>='3.8')and(os_name=='nt'or sys_platform=='linux')"),
    ("not-in", "'linux' not in sys_platform and platform_release not in '1 2'"),
    ("ignored", "os_name ~= 'nt' or python_version == 'x'"),
    ("unbalanced", "((os_name == 'nt') or"),
    ("url-requirement", "foo @ https://example.org/a;b/foo-1.0.tar.gz ; os_name == 'nt'"),
    ("requirement", "foo[bar] >=1, <2 ; python_version >= '3.8'"),
]:
    put("marker", name, m)

# marker_shape: bytes decoded with `arbitrary`
for i in range(8):
    put("marker_shape", f"random-{i}", bytes(rng.randrange(256) for _ in range(rng.randrange(16, 300))))

# sdist: PKG-INFO headers, Cargo.lock files, and small sdists (tar.gz and zip) with a Rust part,
# symbolic links and members outside the top directory
import gzip, io, tarfile, zipfile
for name, text in [
    ("pkg-info-2.2", "Metadata-Version: 2.2\nName: a\nVersion: 1\nRequires-Dist: b>=1\nRequires-Dist: c ; extra == 'x'\n\nbody\n"),
    ("pkg-info-dynamic", "Metadata-Version: 2.4\nName: a\nDynamic: Requires-Dist\nRequires-Dist: b\n"),
    ("pkg-info-2.1", "Metadata-Version: 2.1\nName: a\nRequires-Dist: b\n"),
    ("pkg-info-continued", "Metadata-Version: 2.3\nRequires-Dist: b ;\n  python_version >= '3.8'\n"),
    ("cargo-lock", "version = 3\n\n[[package]]\nname = \"a\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"g\"\nversion = \"1.0.0\"\nsource = \"git+https://example.org/g#0123456789abcdef0123456789abcdef01234567\"\n\n[[package]]\nname = \"itoa\"\nversion = \"1.0.15\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"00\"\n"),
]:
    put("sdist", name, text)

def tar_gz(members):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as t:
        for name, body, link in members:
            info = tarfile.TarInfo(name)
            info.mtime = 0
            if link is not None:
                info.type = tarfile.SYMTYPE
                info.linkname = link
                t.addfile(info)
            else:
                info.size = len(body)
                t.addfile(info, io.BytesIO(body))
    return gzip.compress(raw.getvalue(), mtime=0)

def zip_of(members):
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as z:
        for name, body, link in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            if link is not None:
                info.external_attr = (0o120777 << 16)
                z.writestr(info, link)
            else:
                z.writestr(info, body)
    return raw.getvalue()

lock = b"version = 3\n[[package]]\nname = \"r\"\nversion = \"0.1.0\"\n"
sdists = {
    "maturin-rust-dir": [
        ("r-1.0/pyproject.toml", b"[build-system]\nrequires = [\"maturin\"]\nbuild-backend = \"maturin\"\n[tool.maturin]\nmanifest-path = \"rust/Cargo.toml\"\n", None),
        ("r-1.0/PKG-INFO", b"Metadata-Version: 2.2\nName: r\nRequires-Dist: b\n", None),
        ("r-1.0/rust/Cargo.toml", b"[package]\nname = \"r\"\n", None),
        ("r-1.0/rust/Cargo.lock", lock, None),
    ],
    "hostile": [
        ("e-1.0/pyproject.toml", b"[build-system]\nrequires = [\"maturin\"]\n[tool.maturin]\nmanifest-path = \"../x/Cargo.toml\"\n", None),
        ("e-1.0/Cargo.toml", b"", None),
        ("e-1.0/Cargo.lock", None, "/etc/passwd"),
        ("e-1.0/../Cargo.lock", lock, None),
        ("other/Cargo.lock", lock, None),
    ],
}
for name, members in sdists.items():
    put("sdist", name + ".tar.gz", tar_gz(members))
    put("sdist", name + ".zip", zip_of(members))
