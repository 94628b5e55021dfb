#!/usr/bin/env python3
"""Creates N domains in ONE `hvmtool run` on the noop (null) platform (or,
with --platform emu|kvm, a test guest that prints a line and powers off) and
prints what each domain costs: instructions (callgrind, noop only), wall
time, domains/s and peak RSS, as a table and as JSON.

Per-domain figures are marginal: (cost(N) - cost(1)) / (N - 1), with the
N = 1 run in the same invocation as the floor, so start-up (plugin loading,
YAML) is not spread over the domains. `flat` is the per-domain instruction
count divided by the first size's: 1.00 is perfectly flat.

  bench/scale.py [--sizes 10,100,1000,10000] [--nofile 1024] [--per-file K] [--console TEXT]
"""
import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def write_files(workdir, n, per_file, args):
    """Pipeline files holding n domains in total, at most per_file each."""
    files = []
    left, index = n, 0
    while left > 0:
        count = min(left, per_file)
        path = os.path.join(workdir, f"scale-{index}.yaml")
        with open(path, "w") as f:
            f.write(f"platform: {args.platform}\n")
            if count > 1:
                f.write(f"count: {count}\n")
            if args.platform == "noop":
                f.write(f"plugins: {{search_path: [{args.plugins}]}}\n")
                f.write("stages: {bootloader: noop, build: noop}\n")
                if args.console:
                    f.write(f"params: {{noop: {{console: '{args.console}'}}}}\n")
                f.write(f"domain: {{name: s{index}, type: pvh, memory: 16M}}\n")
            else:  # a real platform: the test guest prints a line and powers off
                f.write(f"domain: {{name: s{index}, type: hvm, memory: 16M, firmware: {args.guest}}}\n")
        files.append(path)
        left -= count
        index += 1
    return files


def limit_nofile(limit):
    """`ulimit -n LIMIT`: soft and hard, so hvmtool cannot raise it."""

    def apply():
        if limit:
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    return apply


def first_error(stderr):
    for line in stderr.splitlines():
        if line.startswith("hvmtool: ") and "info:" not in line:
            return line
    return ""


def run_once(args, n, callgrind):
    """One `hvmtool run` of n domains: returns a dict of what it cost."""
    workdir = tempfile.mkdtemp(prefix="hvmtool-scale-")
    try:
        files = write_files(workdir, n, args.per_file or n, args)
        cmd = [args.hvmtool, "run", "-F", "--log-dir", os.path.join(workdir, "logs")] + files
        if callgrind:
            out = os.path.join(workdir, "callgrind.out")
            cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"] + cmd
        else:
            cmd = ["/usr/bin/time", "-f", "maxrss_kib=%M"] + cmd
        began = time.monotonic()
        began_epoch = time.time()
        p = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=limit_nofile(args.nofile))
        wall = time.monotonic() - began
        r = {"n": n, "files": len(files), "exit": p.returncode, "error": first_error(p.stderr)}
        if callgrind:
            m = re.search(r"Collected : (\d+)", p.stderr)
            r["instructions"] = int(m.group(1)) if m else None
        else:
            m = re.search(r"maxrss_kib=(\d+)", p.stderr)
            r["wall_s"] = wall
            r["maxrss_kib"] = int(m.group(1)) if m else None
        logs = os.path.join(workdir, "logs")
        r["logs_left"] = len(os.listdir(logs)) if os.path.isdir(logs) else 0
        if r["logs_left"] and not callgrind:
            # A console log is created at its guest's first byte: the first
            # one says when the first guest ran.
            first = min(os.stat(os.path.join(logs, f)).st_mtime for f in os.listdir(logs))
            r["first_guest_ms"] = (first - began_epoch) * 1e3
        return r
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def marginal(value, base, n):
    if value is None or base is None or n <= 1:
        return None
    return (value - base) / (n - 1)


def parser():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hvmtool", default=os.path.join(ROOT, "build", "hvmtool"))
    ap.add_argument("--plugins", default=os.path.join(ROOT, "build", "bench", "plugins"))
    ap.add_argument("--sizes", default="10,100,1000,10000")
    ap.add_argument("--platform", default="noop", help="noop, or a real platform (emu, kvm): wall time only")
    ap.add_argument("--guest", default=os.path.join(ROOT, "build", "tests", "kvm", "guests", "multi32.elf"))
    ap.add_argument("--per-file", type=int, default=0, help="domains per pipeline file (default: all in one)")
    ap.add_argument("--nofile", type=int, default=1024, help="RLIMIT_NOFILE (soft and hard) for hvmtool; 0: as is")
    ap.add_argument("--console", default="", help="what each guest writes to its console (default: nothing)")
    ap.add_argument("--no-callgrind", action="store_true", help="skip the instruction counts")
    ap.add_argument("--json", help="also write the results to this file")
    return ap


def measure(args):
    """Runs the floor (N = 1) and every size: the result as a dict."""
    sizes = [int(s) for s in args.sizes.split(",")]
    # A real platform's guest code under valgrind would take hours.
    use_callgrind = bool(not args.no_callgrind and args.platform == "noop" and shutil.which("valgrind"))

    # The fastest of a few, so a cold first start does not set the floor.
    base_time = min((run_once(args, 1, False) for _ in range(5)), key=lambda r: r["wall_s"])
    base_instr = run_once(args, 1, True) if use_callgrind else {}
    rows = []
    for n in sizes:
        t = run_once(args, n, False)
        c = run_once(args, n, True) if use_callgrind and t["exit"] == 0 else {}
        ok = t["exit"] == 0
        row = {
            "n": n,
            "files": t["files"],
            "exit": t["exit"],
            "error": t["error"] or c.get("error", ""),
            "logs_left": t["logs_left"],
            "first_guest_ms": t.get("first_guest_ms"),
            "wall_s": t["wall_s"],
            "domains_per_s": n / t["wall_s"] if ok else None,
            "maxrss_kib": t["maxrss_kib"],
            "us_per_domain": None,
            "rss_kib_per_domain": marginal(t["maxrss_kib"], base_time["maxrss_kib"], n) if ok else None,
            "instructions": c.get("instructions"),
            "instr_per_domain": marginal(c.get("instructions"), base_instr.get("instructions"), n),
        }
        us = marginal(t["wall_s"], base_time["wall_s"], n) if ok else None
        row["us_per_domain"] = us * 1e6 if us is not None else None
        rows.append(row)
    # Flatness: instructions where counted, else wall time (noisy).
    key = "instr_per_domain" if use_callgrind else "us_per_domain"
    first = next((r[key] for r in rows if r[key] and r["exit"] == 0), None)
    for r in rows:
        r["flat"] = r[key] / first if first and r[key] and r["exit"] == 0 else None
    return {"platform": args.platform, "nofile": args.nofile, "console": args.console,
            "floor": {**base_time, **base_instr}, "sizes": rows}


def fmt(v, spec):
    return format(v, spec) if v is not None else "-"


def print_table(result):
    base_time, base_instr, rows = result["floor"], result["floor"], result["sizes"]
    print(f"{result['platform']} platform, one `hvmtool run`, RLIMIT_NOFILE {result['nofile'] or 'unchanged'}, "
          f"console {result['console']!r}; "
          f"floor N=1: {fmt(base_instr.get('instructions'), ',')} instr, "
          f"{base_time['wall_s'] * 1e3:.1f} ms, {base_time['maxrss_kib']} KiB")
    print(f"{'N':>6} {'files':>5} {'exit':>4} {'instr/dom':>10} {'flat':>5} {'us/dom':>8} {'dom/s':>8} "
          f"{'peakRSS KiB':>11} {'KiB/dom':>7} {'logs':>5} {'1st ms':>7}  error")
    for r in rows:
        print(f"{r['n']:>6} {r['files']:>5} {r['exit']:>4} {fmt(r['instr_per_domain'], ',.0f'):>10} "
              f"{fmt(r['flat'], '.2f'):>5} {fmt(r['us_per_domain'], '.1f'):>8} {fmt(r['domains_per_s'], ',.0f'):>8} "
              f"{fmt(r['maxrss_kib'], ',')!s:>11} {fmt(r['rss_kib_per_domain'], '.2f'):>7} {r['logs_left']:>5} {fmt(r['first_guest_ms'], '.1f'):>7}  "
              f"{r['error'][:100]}")


def main():
    args = parser().parse_args()
    result = measure(args)
    print_table(result)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    print(json.dumps(result))
    return 0 if all(r["exit"] == 0 for r in result["sizes"]) else 1


if __name__ == "__main__":
    sys.exit(main())
