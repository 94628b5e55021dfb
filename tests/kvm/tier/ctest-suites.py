#!/usr/bin/env python3
"""Reads `ctest --show-only=json-v1` and writes shell calls that run the
selected suites the way ctest would (their command, working directory,
ENVIRONMENT, TIMEOUT and SKIP_RETURN_CODE), so that they can run where there
is no ctest (the kvm tier's L1 system).

  ctest-suites.py fixtures JSON LABEL...   host side: one line per fixture
      setup test the selected suites need:
      fixture FIXTURE TEST WORKDIR TIMEOUT SKIP_CODE -- env VAR=... COMMAND...
  ctest-suites.py suites JSON LABEL...     L1 side: one line per suite:
      suite TEST WORKDIR TIMEOUT SKIP_CODE 'FIXTURE...' -- env VAR=... COMMAND...

A suite is selected when one of its LABELS is one of LABEL. Tests without a
command (not built) are reported by a `missing TEST` line.
"""

import json
import shlex
import sys


def props(test):
    return {p["name"]: p["value"] for p in test.get("properties", [])}


def as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def call(kind, test, extra):
    p = props(test)
    command = test.get("command")
    if not command:
        return "missing " + shlex.quote(test["name"])
    workdir = p.get("WORKING_DIRECTORY", "/")
    timeout = int(float(p.get("TIMEOUT", 1500)))
    skip = int(p.get("SKIP_RETURN_CODE", -1))
    words = [kind] + extra(test, p) + [test["name"], workdir, str(timeout), str(skip)]
    if kind == "suite":
        words.append(" ".join(as_list(p.get("FIXTURES_REQUIRED"))))
    words += ["--", "env"] + as_list(p.get("ENVIRONMENT")) + command
    return " ".join(shlex.quote(w) for w in words)


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("fixtures", "suites"):
        sys.exit(__doc__)
    mode, path, labels = sys.argv[1], sys.argv[2], set(sys.argv[3:])
    with open(path, encoding="utf-8") as f:
        tests = json.load(f)["tests"]
    selected = [t for t in tests if labels & set(as_list(props(t).get("LABELS")))]
    if mode == "suites":
        for t in selected:
            print(call("suite", t, lambda t, p: []))
        return
    needed = set()
    for t in selected:
        needed |= set(as_list(props(t).get("FIXTURES_REQUIRED")))
    for t in tests:
        for fixture in sorted(needed & set(as_list(props(t).get("FIXTURES_SETUP")))):
            print(call("fixture", t, lambda t, p, f=fixture: [f]))


if __name__ == "__main__":
    main()
