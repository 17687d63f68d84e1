#!/usr/bin/env python3
"""Open-loop cost of loadgen beside wrk2 (the open-loop peer), same nginx, same run.

Not a test: it prints figures (medians of several runs) for README "Performance" and issue
notes. Generator on core 0, nginx on core 1, 64 connections, 1 thread, all traffic to
127.0.0.1; every process it starts is stopped before it exits.

  python3 bench/compare_wrk2.py [--runs 5] [--duration 5] [--rates 1000,5000,20000]
                                [--high 100000]

Per rate and tool:
  CPU us/req   user+sys of the generator alone (wait4's rusage) / responses
  achieved     responses per second of the run
  syscalls     syscalls per request, from a separate run under `strace -c -f` (slower, so it
               counts calls, not time)
  bin CV       coefficient of variation of requests per 10 ms bin, from nginx's $msec access
               log (completion times; nginx stamps with its cached time, so a busy machine
               shows here too). Poisson arrivals would have CV ~ 1/sqrt(mean): loadgen runs
               constant arrivals here, as wrk2 does.
Then loadgen's own closed-loop cost at the top rate's throughput, for the 1.5x goal.
With --high RATE: both tools at RATE on 2 threads and 1,000 connections against an nginx
with 2 workers (all on the same 2 cores, unpinned): CPU per request, achieved rate, latency.

wrk2 is built by ../shared/tools/build-wrk2 into $WRK2_DIR (default ~/.cache/loadgen/wrk2)
when it is not on PATH; if it cannot be built the wrk2 columns are skipped with a message.
"""
import argparse
import collections
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare_wrk as cw  # noqa: E402  (run_child, start_nginx, loadgen, busy_share)

URL = cw.URL


def find_wrk2():
    if shutil.which("wrk2"):
        return shutil.which("wrk2")
    d = os.environ.get("WRK2_DIR", os.path.expanduser("~/.cache/loadgen/wrk2"))
    exe = os.path.join(d, "wrk2")
    if os.path.exists(exe):
        return exe
    tool = os.path.join(cw.ROOT, "..", "shared", "tools", "build-wrk2")
    if not os.path.exists(tool):
        print(f"wrk2 skipped: not on PATH and no {tool} to build it")
        return None
    r = subprocess.run(["bash", tool, d], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    if r.returncode != 0 or not os.path.exists(exe):
        print(f"wrk2 skipped: {tool} {d} failed (exit {r.returncode})")
        return None
    return exe


def wrk2_run(exe, rate, duration):
    text, cpu, _ = cw.run_child([exe, "-t1", "-c64", f"-d{duration}s", f"-R{rate}", URL],
                                timeout=duration + 60)
    m = re.search(r"(\d+) requests in ([\d.]+)s", text)
    if not m:
        sys.exit("wrk2 output not understood:\n" + text)
    n = int(m.group(1))
    return {"requests": n, "rps": n / float(m.group(2)), "cpu_us": cpu * 1e6 / max(n, 1)}


def loadgen_run(rate, duration, out):
    r = cw.loadgen(["--rate", f"{rate}/s", "--connections", "64"], duration, out)
    return {"requests": r["requests"], "rps": r["achieved"], "cpu_us": r["cpu_us"],
            "lag_p99": r["lag_p99"]}


def syscalls_per_request(argv, requests_of):
    """Runs argv under strace -c -f; total calls / requests (requests_of(stdout) counts them)."""
    with tempfile.NamedTemporaryFile(suffix=".strace") as log:
        p = subprocess.run(["strace", "-c", "-f", "-o", log.name, "taskset", "-c", "0"] + argv,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        total = 0
        for line in open(log.name):
            f = line.split()
            if len(f) >= 5 and f[-1] == "total":
                total = int(f[3])
        n = requests_of(p.stdout)
    return total / max(n, 1)


def bin_cv(log_path):
    """CV of completions per 10 ms bin, the first and last second left out."""
    stamps = sorted(float(x) for x in open(log_path) if x.strip())
    if len(stamps) < 100:
        return float("nan")
    t0, t1 = stamps[0] + 1, stamps[-1] - 1
    bins = collections.Counter(int((t - t0) * 100) for t in stamps if t0 <= t < t1)
    counts = [bins.get(i, 0) for i in range(int((t1 - t0) * 100))]
    mean = statistics.mean(counts)
    return statistics.pstdev(counts) / mean if mean else float("nan")


class AccessLog:
    """nginx's $msec log, emptied before a run and flushed after it (SIGUSR1: reopen)."""

    def __init__(self, tmp):
        self.path = os.path.join(tmp, "stamps.log")
        self.pid_file = os.path.join(tmp, "nginx.pid")

    def reopen(self):
        with open(self.pid_file) as f:
            os.kill(int(f.read().strip()), signal.SIGUSR1)
        time.sleep(0.3)  # nginx reopens asynchronously; a benchmark may wait, a test may not

    def measure(self, fn):
        open(self.path, "w").close()  # nginx appends (O_APPEND): truncating is safe
        row = fn()
        self.reopen()
        row["cv"] = bin_cv(self.path)
        return row


def median(rows, key):
    return statistics.median(r[key] for r in rows)


def bench(a, tmp, wrk2):
    out = os.path.join(tmp, "out")
    log = AccessLog(tmp)
    d = a.duration
    have_strace = shutil.which("strace") is not None
    if not have_strace:
        print("syscall counts skipped: strace missing (apt-get install strace)")
    print(f"\n== open loop, 1 thread, 64 connections, {d} s runs, medians of {a.runs}")
    print(f"{'rate':>7} {'tool':8} {'CPU us/req':>10} {'achieved/s':>11} {'syscalls/req':>12} "
          f"{'bin CV':>7} {'lag p99 ms':>10}")
    for rate in a.rates:
        rows = {"loadgen": [], "wrk2": []}
        for _ in range(a.runs):  # paired: one of each per round, so noise hits both alike
            rows["loadgen"].append(log.measure(lambda: loadgen_run(rate, d, out)))
            if wrk2:
                rows["wrk2"].append(log.measure(lambda: wrk2_run(wrk2, rate, d)))
        sc = {}
        if have_strace:
            sc["loadgen"] = syscalls_per_request(
                [cw.LOADGEN, URL, "--rate", f"{rate}/s", "--connections", "64", "--threads", "1",
                 "--duration", f"{d}s", "--quiet", "--out", out, "--overwrite"],
                lambda _: cw.json.load(open(os.path.join(out, "result.json")))["summary"]["responses"])
            if wrk2:
                sc["wrk2"] = syscalls_per_request(
                    [wrk2, "-t1", "-c64", f"-d{d}s", f"-R{rate}", URL],
                    lambda text: int(re.search(r"(\d+) requests in", text).group(1)))
        for tool in ("loadgen", "wrk2"):
            r = rows[tool]
            if not r:
                continue
            lag = f"{median(r, 'lag_p99'):10.3f}" if tool == "loadgen" else f"{'':>10}"
            s = f"{sc[tool]:12.2f}" if tool in sc else f"{'-':>12}"
            print(f"{rate:7} {tool:8} {median(r, 'cpu_us'):10.1f} {median(r, 'rps'):11.1f} {s} "
                  f"{median(r, 'cv'):7.3f} {lag}")
        if rows["wrk2"]:
            print(f"{'':7} ratio loadgen/wrk2 CPU per request: "
                  f"{median(rows['loadgen'], 'cpu_us') / median(rows['wrk2'], 'cpu_us'):.2f}")
    top = max(a.rates)
    closed = [cw.loadgen(["--connections", "64"], d, out) for _ in range(a.runs)]
    print(f"\nloadgen closed loop, 64 connections: {median(closed, 'cpu_us'):.1f} us/req at "
          f"{median(closed, 'rps'):.0f}/s (open loop at {top}/s is compared with this)")


def high_rate(a, tmp, wrk2):
    """--high: RATE on 2 threads, 1,000 connections, nginx with 2 workers, nothing pinned."""
    port = cw.PORT + 2
    url = f"http://127.0.0.1:{port}/index.html"
    www = os.path.join(tmp, "high")
    nginx = subprocess.Popen(["bash", os.path.join(cw.ROOT, "bench", "static-nginx.sh"), www,
                              str(port), "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if os.path.exists(os.path.join(www, "nginx.pid")):
                break
            time.sleep(0.05)
        rate, d, out = a.high, a.duration, os.path.join(tmp, "out")
        print(f"\n== open loop at {rate}/s, 2 threads, 1000 connections, nginx 2 workers, "
              f"{d} s, medians of {a.runs}")
        lg, w = [], []
        for _ in range(a.runs):
            r = cw.loadgen(["--rate", f"{rate}/s", "--connections", "1000", "--threads", "2"],
                           d, out, url=url, cores="0,1")
            lg.append(r)
            if wrk2:
                text, cpu, _ = cw.run_child([wrk2, "-t2", "-c1000", f"-d{d}s", f"-R{rate}", url],
                                            cpu="0,1", timeout=d + 60)
                n = int(re.search(r"(\d+) requests in", text).group(1))
                w.append({"rps": n / d, "cpu_us": cpu * 1e6 / max(n, 1)})
        print(f"loadgen: {median(lg, 'cpu_us'):.1f} us/req, achieved {median(lg, 'achieved'):.0f}/s,"
              f" lag p99 {median(lg, 'lag_p99'):.2f} ms, latency p99 {median(lg, 'p99_ms'):.1f} ms")
        if w:
            print(f"wrk2:    {median(w, 'cpu_us'):.1f} us/req, achieved {median(w, 'rps'):.0f}/s")
    finally:
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait(timeout=10)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--rates", default="1000,5000,20000")
    ap.add_argument("--high", type=int, default=0, help="also RATE on 2 threads (e.g. 100000)")
    a = ap.parse_args()
    a.rates = [int(x) for x in a.rates.split(",")]
    for tool in ("nginx", "taskset"):
        if not shutil.which(tool):
            print(f"skipped: {tool} missing (bash ci/install-deps.sh --bench)")
            return
    if not os.path.exists(cw.LOADGEN):
        subprocess.check_call(["bash", os.path.join(cw.ROOT, "ci", "build.sh")])
    wrk2 = find_wrk2()
    tmp = tempfile.mkdtemp(prefix="loadgen-bench.")
    nginx = cw.start_nginx(tmp, os.path.join(tmp, "stamps.log"))
    try:
        print(f"machine busy before start: {cw.busy_share() * 100:.0f}% of all cores")
        bench(a, tmp, wrk2)
        if a.high:
            high_rate(a, tmp, wrk2)
    finally:
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
