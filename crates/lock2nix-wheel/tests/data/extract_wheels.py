#!/usr/bin/env python3
"""Regenerate the wheel lists in this directory from the real uv.lock fixtures.

Usage: python3 extract_wheels.py /work/shared/fixtures/locks/top-1000/uv.lock > top-1000-wheels.tsv

Output: one line per wheel, `name<TAB>version<TAB>basename`, where `basename` is the last path
segment of the wheel's URL exactly as the lock records it (still percent-encoded, if it was),
in lock order.
"""
import sys
import tomllib

with open(sys.argv[1], "rb") as f:
    lock = tomllib.load(f)
for pkg in lock.get("package", []):
    for wheel in pkg.get("wheels", []):
        url = wheel.get("url") or wheel.get("path") or wheel.get("filename")
        basename = url.split("?")[0].split("#")[0].rsplit("/", 1)[-1]
        print(f"{pkg['name']}\t{pkg.get('version', '')}\t{basename}")
