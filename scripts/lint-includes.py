#!/usr/bin/env python3
"""The one dependency rule between source folders, as a test.

Folders are layered; a file may include its own folder and the folders
below it, never one above:

    core  <-  storage, views  <-  models  <-  handlers  <-  fcgi  <-  cmd

(core/: text, time, logging and the domain error types; no dependencies.)

(tests/ and bench/ may include anything.) Includes that break the rule
today are listed, one `file -> include` per line, in
scripts/include-debt.txt: the layering work of issue #15 removes them. The
check fails on an upward include that is not listed, and on a listed one
that is gone (so the list only shrinks). Exit 0 clean, 1 violations.
"""
import os
import re
import sys

LAYERS = {"core": 0, "storage": 1, "views": 1, "models": 2, "handlers": 3, "fcgi": 4, "cmd": 5}
RULE = "core <- storage, views <- models <- handlers <- fcgi <- cmd"
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/[^"]+"', re.M)


def upward_includes(root):
    found = set()
    for folder, rank in LAYERS.items():
        base = os.path.join(root, folder)
        for dirpath, _, files in os.walk(base):
            for name in sorted(files):
                if not name.endswith((".cpp", ".hpp", ".h", ".cc")):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                with open(path, encoding="utf-8", errors="replace") as f:
                    text = f.read()
                for m in INCLUDE.finditer(text):
                    target = m.group(1)
                    if target in LAYERS and LAYERS[target] > rank:
                        line = text[m.start():m.end()].strip()
                        found.add(f"{rel} -> {line.split(None, 1)[1] if ' ' in line else line}")
    return found


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    debt_file = os.path.join(root, "scripts", "include-debt.txt")
    with open(debt_file, encoding="utf-8") as f:
        debt = {l.strip() for l in f if l.strip() and not l.startswith("#")}
    found = upward_includes(root)
    new = sorted(found - debt)
    gone = sorted(debt - found)
    for v in new:
        print(f"upward include (breaks the layering {RULE}): {v}")
    for v in gone:
        print(f"fixed, remove it from scripts/include-debt.txt: {v}")
    if new or gone:
        return 1
    print(f"include direction: ok ({len(found)} listed upward includes left to remove)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
