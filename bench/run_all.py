#!/usr/bin/env python3
"""Issue 13's bench in one command: every scenario on the noop (null)
platform, which measures the framework alone, and on every real platform
this machine has (emu when its plugin is built, kvm when /dev/kvm is usable),
each figure next to a floor measured in the same run.

  python3 bench/run_all.py [--json FILE] [--quick] [--platforms noop,emu] [--no-callgrind]

Scenarios:
  stages    per-stage latency (--json timings, median of 3) of one 128 MiB HVM
            domain through hvmloader (config/hvm-hvmloader.yaml) and one
            direct-boot domain (config/pvh-testkernel.yaml)
  populate  the direct-boot domain with 1 GiB and 4 GiB (skipped, with the
            reason, when MemAvailable is short)
  live      domain k created while k-1 are live (--max-parallel 1, guests that
            stay up: noop `hold`, the PVH test kernel's `pvhkernel.idle`), to
            10,000 on noop and 1,000 on a real platform; the create latency
            (make..unpause) at sample points k, and RSS per live domain
  scale     domains/s, peak RSS per domain and (noop, with valgrind)
            instructions per domain at N = 10 .. 10,000, from bench/scale.py

Floor: the bare KVM ioctl sequence (build/bench/bench_create, bare_kvm.cpp)
where /dev/kvm exists, else qemu-system-x86_64 -accel tcg booting the same
PVH test kernel to its poweroff; without either the ratios are left empty.
"""
import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import scale  # noqa: E402  (bench/scale.py: N domains in one run)

MiB = 1 << 20
CREATE_STAGES = ("make", "bootloader", "build_pre", "build", "build_post", "unpause")
SAMPLE_K = (1, 10, 100, 1000, 10000)


def mem_available():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def proc_status(pid):
    """VmRSS/VmHWM (KiB) and thread count of a live process."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "Threads"):
                out[key] = int(value.split()[0])
    return out


class Bench:
    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.build)
        self.hvmtool = os.path.join(self.build, "hvmtool")
        self.pvh_guest = os.path.join(self.build, "tests", "guests", "pvhkernel.elf")
        self.rows = []  # the table: one dict per figure
        self.details = {}  # everything measured, for the JSON file
        self.floor = {}

    # -- helpers ---------------------------------------------------------

    def row(self, scenario, platform, figure, value, unit, floor=None, ratio_of=None, note=""):
        """One table row; `ratio_of`: value / floor unless given."""
        ratio = ratio_of if ratio_of is not None else (value / floor if value is not None and floor else None)
        self.rows.append({"scenario": scenario, "platform": platform, "figure": figure, "value": value,
                          "unit": unit, "floor": floor, "ratio": ratio, "note": note})

    def say(self, text):
        print(f"bench: {text}", file=sys.stderr, flush=True)

    def pipeline_from_config(self, name, platform, memory=None, cmdline=None):
        """A shipped config/ pipeline, pinned to `platform`, its ../build/ paths into this build."""
        with open(os.path.join(ROOT, "config", name)) as f:
            text = f.read().replace("../build/", self.build + "/")
        if memory:
            text = re.sub(r"(?m)^  memory: .*$", f"  memory: {memory}", text)
        if cmdline:
            text = re.sub(r'(?m)^  cmdline: "(.*)"$', rf'  cmdline: "\1 {cmdline}"', text)
        return f"platform: {platform}\n" + text

    def noop_pipeline(self, count=1, name="bench", hold=False, console=""):
        params = ", ".join(p for p in (f"console: '{console}'" if console else "", "hold: true" if hold else "") if p)
        return (f"platform: noop\n" + (f"count: {count}\n" if count > 1 else "") +
                f"plugins: {{search_path: [{os.path.join(self.build, 'bench', 'plugins')}]}}\n"
                "stages: {bootloader: noop, build: noop}\n" + (f"params: {{noop: {{{params}}}}}\n" if params else "") +
                f"domain: {{name: {name}, type: pvh, memory: 16M}}\n")

    def run_json(self, text, extra=()):
        """One `hvmtool run --json` of a pipeline text: (domains, stderr)."""
        with tempfile.TemporaryDirectory(prefix="hvmtool-bench-") as d:
            path = os.path.join(d, "bench.yaml")
            with open(path, "w") as f:
                f.write(text)
            p = subprocess.run([self.hvmtool, "run", "--json", "--log-dir", d, *extra, path], capture_output=True,
                               text=True, timeout=600)
        if p.returncode != 0:
            raise RuntimeError(scale.first_error(p.stderr) or f"hvmtool exited {p.returncode}")
        return json.loads(p.stdout)["domains"], p.stderr

    # -- floor -----------------------------------------------------------

    def measure_floor(self):
        if os.access("/dev/kvm", os.R_OK | os.W_OK):
            self.floor = {"kind": "bare KVM ioctl sequence (bench_create)", "ms": {}, "rss_kib": None}
            for mib in (128, 1024, 4096):
                if mib * MiB + 512 * MiB > mem_available():
                    continue
                p = subprocess.run([os.path.join(self.build, "bench", "bench_create"), "5", f"{mib}M"],
                                   capture_output=True, text=True)
                m = re.search(r"bare KVM sequence\s+([\d.]+) ms", p.stdout)
                if m:
                    self.floor["ms"][mib] = float(m.group(1))
        elif shutil.which("qemu-system-x86_64"):
            self.floor = {"kind": "qemu-system-x86_64 -accel tcg, PVH test kernel to poweroff", "ms": {},
                          "rss_kib": None}
            for mib in (128, 1024, 4096):
                if mib * MiB + 512 * MiB > mem_available():
                    continue
                runs = [self.qemu_boot(mib) for _ in range(3)]
                runs = [r for r in runs if r]
                if runs:
                    self.floor["ms"][mib] = statistics.median(r[0] for r in runs)
                    if mib == 128:
                        self.floor["rss_kib"] = statistics.median(r[1] for r in runs)
        else:
            self.floor = {"kind": None, "ms": {}, "rss_kib": None,
                          "missing": "no /dev/kvm and no qemu-system-x86_64: the ratios are left empty"}
        self.details["floor"] = self.floor
        self.say(f"floor: {self.floor['kind']}: {self.floor['ms']} ms, RSS {self.floor['rss_kib']} KiB")

    def qemu_boot(self, mib):
        """(wall ms, max RSS KiB) of QEMU booting the PVH test kernel to poweroff, or None."""
        with tempfile.TemporaryDirectory(prefix="hvmtool-bench-qemu-") as d:
            out = os.path.join(d, "debugcon")
            cmd = ["/usr/bin/time", "-f", "maxrss_kib=%M", "qemu-system-x86_64", "-accel", "tcg", "-M", "pc", "-m",
                   str(mib), "-nographic", "-nodefaults", "-no-reboot", "-debugcon", f"file:{out}", "-kernel",
                   self.pvh_guest, "-append", "hvmtool=qemu-floor"]
            began = time.monotonic()
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            wall = (time.monotonic() - began) * 1e3
            with open(out, errors="replace") as f:
                ran = "pvhkernel: done" in f.read()
        m = re.search(r"maxrss_kib=(\d+)", p.stderr)
        if p.returncode != 0 or not ran or not m:
            self.say(f"qemu floor at {mib} MiB failed (exit {p.returncode}, guest ran: {ran})")
            return None
        return wall, int(m.group(1))

    # -- scenarios -------------------------------------------------------

    def stages(self, platform):
        """Per-stage latency: median of 3 runs of each pipeline."""
        if platform == "noop":
            pipelines = {"noop domain": self.noop_pipeline()}
        else:
            pipelines = {"HVM via hvmloader, 128 MiB": self.pipeline_from_config("hvm-hvmloader.yaml", platform),
                         "direct boot (PVH), 128 MiB": self.pipeline_from_config("pvh-testkernel.yaml", platform)}
        for label, text in pipelines.items():
            try:
                runs = [self.run_json(text)[0][0] for _ in range(3)]
            except RuntimeError as e:
                self.row("stages", platform, label, None, "ms", note=f"failed: {e}")
                continue
            per_stage = {}
            for r in runs:
                for s in r["stages"]:
                    per_stage.setdefault(s["stage"], []).append(s["ms"])
                per_stage.setdefault("teardown", []).append(r["teardown_ms"])
            medians = {k: statistics.median(v) for k, v in per_stage.items()}
            total = statistics.median(sum(s["ms"] for s in r["stages"]) + r["teardown_ms"] for r in runs)
            self.details.setdefault("stages", {}).setdefault(platform, {})[label] = {"median_ms": medians,
                                                                                      "total_ms": total}
            breakdown = " ".join(f"{k}={v:.2f}" for k, v in medians.items())
            self.row("stages", platform, f"{label}: create to poweroff", total, "ms", self.floor["ms"].get(128),
                     note=breakdown)

    def populate(self, platform):
        for mib in (1024, 4096):
            label = f"direct boot, {mib // 1024} GiB"
            need = mib * MiB + 512 * MiB
            if need > mem_available():
                self.row("populate", platform, label, None, "ms",
                         note=f"skipped: MemAvailable {mem_available() // MiB} MiB < {need // MiB} MiB needed")
                continue
            try:
                domains, err = self.run_json(self.pipeline_from_config("pvh-testkernel.yaml", platform, f"{mib}M"))
            except RuntimeError as e:
                self.row("populate", platform, label, None, "ms", note=f"failed: {e}")
                continue
            stages = {s["stage"]: s["ms"] for s in domains[0]["stages"]}
            m = re.search(r"memory \d+ MiB: .*? in (\d+) ms", err)
            create = sum(stages.get(s, 0) for s in CREATE_STAGES)
            self.details.setdefault("populate", {}).setdefault(platform, {})[mib] = {"stages_ms": stages,
                                                                                     "teardown_ms": domains[0]["teardown_ms"]}
            note = f"build={stages.get('build', 0):.1f} ms" + (f", populate {m.group(1)} ms" if m else "")
            self.row("populate", platform, f"{label}: make..unpause", create, "ms", self.floor["ms"].get(mib), note=note)

    def live(self, platform, kmax):
        """Domain k created while k-1 live: create latency at sample points k."""
        if platform == "noop":
            text = self.noop_pipeline(kmax, "live", hold=True, console="x")
        else:
            text = (f"platform: {platform}\ncount: {kmax}\n"
                    f"domain: {{name: live, type: pvh, memory: 16M, kernel: {self.pvh_guest}, "
                    f"cmdline: 'pvhkernel.idle', timeouts: {{wait: 0}}}}\n")
        with tempfile.TemporaryDirectory(prefix="hvmtool-bench-live-") as d:
            path, logs = os.path.join(d, "live.yaml"), os.path.join(d, "logs")
            os.mkdir(logs)
            with open(path, "w") as f:
                f.write(text)
            out, err = open(os.path.join(d, "out"), "w+"), open(os.path.join(d, "err"), "w+")
            began = time.monotonic()
            p = subprocess.Popen([self.hvmtool, "run", "-F", "--json", "--max-parallel", "1", "--log-dir", logs, path],
                                 stdout=out, stderr=err)
            # Each guest writes to its console once it runs (the log file is
            # created at the first byte): all kmax files = all live.
            live, status = 0, {}
            while p.poll() is None and time.monotonic() - began < self.args.live_timeout:
                live = sum(1 for _ in os.scandir(logs))
                if live >= kmax:
                    status = proc_status(p.pid)
                    status["fds"] = len(os.listdir(f"/proc/{p.pid}/fd"))
                    break
                time.sleep(0.1)
            wall = time.monotonic() - began
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
            try:
                p.wait(timeout=300)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
            out.close()
            err.close()
        if live < kmax:
            self.row("live", platform, f"k while k-1 live, k to {kmax}", None, "ms",
                     note=f"only {live} of {kmax} live after {wall:.0f} s: {scale.first_error(stderr)}")
            return
        domains = json.loads(stdout)["domains"]
        stage_ms = [{s["stage"]: s["ms"] for s in d["stages"] if s["stage"] in CREATE_STAGES} for d in domains]
        latency = [sum(st.values()) for st in stage_ms]
        curve = {}
        for k in (k for k in SAMPLE_K if k <= kmax):
            first = max(0, k - max(1, k // 10))  # the median of domains k-k/10 .. k
            curve[k] = statistics.median(latency[first:k])
            slowest = sorted(CREATE_STAGES, key=lambda s: -statistics.median(st.get(s, 0) for st in stage_ms[first:k]))
            breakdown = " ".join(f"{s}={statistics.median(st.get(s, 0) for st in stage_ms[first:k]):.2f}"
                                 for s in slowest[:3])
            self.row("live", platform, f"create domain k={k} with {k - 1} live", curve[k], "ms",
                     self.floor["ms"].get(128), note=f"median of domains {first + 1}..{k}; {breakdown}")
        first = curve.get(10) or curve[1]
        self.row("live", platform, f"flatness: k={max(curve)} vs k=10", curve[max(curve)] / first, "x",
                 ratio_of=curve[max(curve)] / first)
        rss_1 = self.details.get("scale", {}).get(platform, {}).get("floor", {}).get("maxrss_kib")
        per_domain = (status["VmRSS"] - rss_1) / (kmax - 1) if rss_1 else status["VmRSS"] / kmax
        self.row("live", platform, f"RSS per live domain, {kmax} live (incl. touched guest RAM)", per_domain,
                 "KiB", self.floor.get("rss_kib"),
                 note=f"RSS {status['VmRSS']} KiB, {status['Threads']} threads, {status['fds']} fds")
        self.details.setdefault("live", {})[platform] = {"kmax": kmax, "wall_s": wall, "curve_ms": curve,
                                                         "status": status, "latency_ms": latency}

    def throughput(self, platform, sizes):
        """Domains/s, RSS and instructions per domain: bench/scale.py."""
        argv = ["--hvmtool", self.hvmtool, "--plugins", os.path.join(self.build, "bench", "plugins"), "--sizes",
                ",".join(map(str, sizes)), "--platform", platform, "--guest",
                os.path.join(self.build, "tests", "kvm", "guests", "multi32.elf")]
        if self.args.no_callgrind:
            argv.append("--no-callgrind")
        result = scale.measure(scale.parser().parse_args(argv))
        self.details.setdefault("scale", {})[platform] = result
        floor_ms = self.floor["ms"].get(128)
        for r in result["sizes"]:
            n, bad = r["n"], (f"exit {r['exit']}: {r['error']}" if r["exit"] else "")
            # The floor boots one guest at a time: 1000 / ms per second.
            self.row("scale", platform, f"domains/s at N={n}", r["domains_per_s"], "/s",
                     1e3 / floor_ms if floor_ms else None, note=bad)
            self.row("scale", platform, f"peak RSS per domain at N={n}", r["rss_kib_per_domain"], "KiB",
                     self.floor.get("rss_kib"))
            if r["instr_per_domain"] is not None:
                self.row("scale", platform, f"instructions per domain at N={n} (callgrind)", r["instr_per_domain"],
                         "instr", note="ratio: vs the first size (flatness)", ratio_of=r["flat"])
        scale.print_table(result)

    # -- output ----------------------------------------------------------

    def print_table(self):
        def fmt(v):
            if v is None:
                return "-"
            return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}" if abs(v) < 1 else f"{v:.1f}"

        print(f"\nfloor: {self.floor['kind'] or self.floor.get('missing')}; "
              f"{', '.join(f'{k} MiB {v:.1f} ms' for k, v in self.floor['ms'].items())}"
              + (f"; RSS {self.floor['rss_kib']:,.0f} KiB" if self.floor.get("rss_kib") else ""))
        print(f"{'scenario':<9} {'platform':<8} {'figure':<58} {'value':>11} {'unit':<5} {'floor':>9} {'ratio':>9}  note")
        for r in self.rows:
            print(f"{r['scenario']:<9} {r['platform']:<8} {r['figure'][:58]:<58} {fmt(r['value']):>11} {r['unit']:<5} "
                  f"{fmt(r['floor']):>9} {fmt(r['ratio']):>9}  {r['note']}")


def real_platforms(build):
    found = []
    if os.access("/dev/kvm", os.R_OK | os.W_OK) and os.path.exists(os.path.join(build, "plugins", "hvmtool-kvm.so")):
        found.append("kvm")
    if os.path.exists(os.path.join(build, "plugins", "hvmtool-emu.so")):
        found.append("emu")
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"), help="the build folder (default: build/)")
    ap.add_argument("--json", help="where to write every figure (default: BUILD/bench-results.json)")
    ap.add_argument("--quick", action="store_true", help="10x smaller live and scale runs (a smoke test)")
    ap.add_argument("--no-callgrind", action="store_true", help="skip the instruction counts")
    ap.add_argument("--platforms", help="comma-separated subset of noop and the real platforms found")
    ap.add_argument("--live-timeout", type=float, default=300, help="seconds for all live domains to come up")
    args = ap.parse_args()
    args.json = args.json or os.path.join(os.path.abspath(args.build), "bench-results.json")
    started = time.monotonic()
    bench = Bench(args)
    platforms = ["noop"] + real_platforms(bench.build)
    if args.platforms:
        platforms = [p for p in platforms if p in args.platforms.split(",")]
    div = 10 if args.quick else 1
    bench.say(f"platforms: {', '.join(platforms)}; MemAvailable {mem_available() // MiB} MiB; {os.cpu_count()} CPUs")
    bench.measure_floor()
    for platform in platforms:
        bench.say(f"{platform}: per-stage latency")
        bench.stages(platform)
        if platform != "noop":  # the null platform has no memory to populate
            bench.say(f"{platform}: populate")
            bench.populate(platform)
        bench.say(f"{platform}: domains/s")
        sizes = [10, 100, 1000, 10000] if platform == "noop" else [10, 100, 1000]
        bench.throughput(platform, [n for n in sizes if n * div <= sizes[-1]])
        kmax = (10000 if platform == "noop" else 1000) // div
        bench.say(f"{platform}: domain k while k-1 live, k to {kmax}")
        bench.live(platform, kmax)
    bench.print_table()
    elapsed = time.monotonic() - started
    print(f"\nbench: {elapsed:.0f} s in all; every figure in {args.json}")
    with open(args.json, "w") as f:
        json.dump({"elapsed_s": elapsed, "platforms": platforms, "cpus": os.cpu_count(),
                   "mem_available_mib": mem_available() // MiB, "floor": bench.floor, "rows": bench.rows,
                   "details": bench.details}, f, indent=1)
    return 0 if all(r["value"] is not None or r["note"].startswith("skipped") for r in bench.rows) else 1


if __name__ == "__main__":
    sys.exit(main())
