#!/usr/bin/env python3
"""Repeated code outside the tests, as a test (run by `make lint`).

Runs `duplicates` (when installed; skipped with a message otherwise) over
the tracked tree and fails on every pair with a side outside tests/ and
fixtures (folders named `fixtures`): code that says the same thing twice.
Pairs that exist today are listed, one `a ~ b` file pair per line, in
scripts/duplicates-debt.txt; the work of issue #15 removes them. A listed
pair that is gone is reported so the line can be deleted. Exit 0 clean, 1
new pairs (or duplicates failed).
"""
import os
import re
import shutil
import subprocess
import sys

ROW = re.compile(r"^D\d+ (\S+):\d+-\d+ ~ (\S+):\d+-\d+")


def exempt(path):
    parts = path.split("/")
    return parts[0] == "tests" or "fixtures" in parts


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not shutil.which("duplicates"):
        print("duplicates: not installed; skipped")
        return 0
    run = subprocess.run(["duplicates", "--repo", root, "--most", "200", "--seconds", "120"],
                         capture_output=True, text=True, check=False)
    if run.returncode != 0:
        print(run.stdout + run.stderr)
        return 1
    with open(os.path.join(root, "scripts", "duplicates-debt.txt"), encoding="utf-8") as f:
        debt = {l.strip() for l in f if l.strip() and not l.startswith("#")}
    found = {}
    for line in run.stdout.splitlines():
        m = ROW.match(line)
        if not m:
            if line.startswith("incomplete:"):
                print(f"duplicates: {line}")
            continue
        a, b = m.group(1), m.group(2)
        if exempt(a) and exempt(b):
            continue
        found.setdefault(" ~ ".join(sorted((a, b))), line)
    new = sorted(k for k in found if k not in debt)
    for k in new:
        print(f"repeated code (make it one piece, or list it in scripts/duplicates-debt.txt "
              f"only when it is not): {found[k]}")
    for k in sorted(debt - set(found)):
        print(f"note: gone, remove it from scripts/duplicates-debt.txt: {k}")
    if new:
        return 1
    print(f"duplicates: ok ({len(found)} listed pairs left to remove)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
