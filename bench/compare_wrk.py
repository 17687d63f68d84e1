#!/usr/bin/env python3
"""Side-by-side benchmark of loadgen and wrk against the same local nginx, in the same run.

Not a test: it prints figures (medians of several runs) for README "Performance" and issue
notes. The generator is pinned to core 0 and nginx to core 1 (taskset), all traffic goes to
127.0.0.1, and every process it starts is stopped before it exits.

  python3 bench/compare_wrk.py [--runs 3] [--duration 10] [--long]

CPU and peak RSS of each generator come from wait4()'s rusage for that child alone.
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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOADGEN = os.environ.get("LOADGEN", os.path.join(ROOT, "build", "loadgen", "app", "loadgen"))
PORT = 18090
URL = f"http://127.0.0.1:{PORT}/index.html"


def run_child(argv, cpu="0", timeout=None):
    """Runs argv pinned to `cpu`; returns (stdout, user+sys seconds, peak RSS in MB)."""
    with tempfile.TemporaryFile() as out:
        p = subprocess.Popen(["taskset", "-c", cpu] + argv, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.time() + (timeout or 3600)
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.time() > deadline:
                p.kill()
            time.sleep(0.05)
        out.seek(0)
        text = out.read().decode(errors="replace")
    return text, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0


def wrk(connections, duration, url=URL):
    text, cpu, rss = run_child(["wrk", "-t1", f"-c{connections}", f"-d{duration}s", url])
    m = re.search(r"(\d+) requests in", text)
    if not m:
        sys.exit("wrk output not understood:\n" + text)
    n = int(m.group(1))
    errors = re.search(r"Socket errors: (.*)", text)
    return {"requests": n, "rps": n / duration, "cpu_us": cpu * 1e6 / max(n, 1), "rss_mb": rss,
            "errors": errors.group(1) if errors else "none"}


def loadgen(args, duration, out_dir, url=URL, cores="0"):
    """One loadgen run (1 thread unless args say --threads), pinned to `cores`."""
    threads = [] if "--threads" in args else ["--threads", "1"]
    argv = [LOADGEN, url] + threads + ["--duration", f"{duration}s", "--quiet",
                                       "--out", out_dir, "--overwrite"] + args
    text, cpu, rss = run_child(argv, cpu=cores, timeout=duration + 60)
    with open(os.path.join(out_dir, "result.json")) as f:
        r = json.load(f)
    s = r["summary"]
    n = s["responses"]
    return {"requests": n, "rps": n / duration, "cpu_us": cpu * 1e6 / max(n, 1), "rss_mb": rss,
            "achieved": r["steps"][0]["achieved_rate"], "lag_p99": r["generator"]["lag_ms"]["p99"],
            "errors": s["failed"], "dropped": s["dropped"], "late": s["late"],
            "p99_ms": s["latency_ms"]["p99"], "timeline": r["timeline"], "summary": s}


def median(rows, key):
    return statistics.median(r[key] for r in rows)


def start_nginx(tmp, access_log="", tls=None):
    """nginx on core 1 serving index.html on PORT; `access_log`: a $msec line per request;
    `tls`: (port, cert, key) to serve it over TLS too."""
    env = dict(os.environ)
    if tls:
        env.update(LG_TLS_PORT=str(tls[0]), LG_TLS_CERT=tls[1], LG_TLS_KEY=tls[2])
    p = subprocess.Popen(["taskset", "-c", "1", "bash", os.path.join(ROOT, "bench", "static-nginx.sh"),
                          tmp, str(PORT), "1", access_log],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    for _ in range(100):
        if os.path.exists(os.path.join(tmp, "nginx.pid")):
            return p
        time.sleep(0.05)
    p.kill()
    sys.exit("nginx did not start")


def busy_share():
    """Share of the 2 cores used by everything over 1 s before the benchmark (noise check)."""
    def snap():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]
    t0, i0 = snap()
    time.sleep(1)
    t1, i1 = snap()
    return 1 - (i1 - i0) / max(t1 - t0, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--long", action="store_true", help="also the 600 s RSS run (10 minutes)")
    a = ap.parse_args()
    for tool in ("wrk", "nginx", "taskset"):
        if not shutil.which(tool):
            sys.exit(f"{tool} missing: run bash ci/install-deps.sh --bench")
    if not os.path.exists(LOADGEN):
        subprocess.check_call(["bash", os.path.join(ROOT, "ci", "build.sh")])
    tmp = tempfile.mkdtemp(prefix="loadgen-bench.")
    nginx = start_nginx(tmp)
    try:
        print(f"machine busy before start: {busy_share() * 100:.0f}% of all cores")
        bench(a, tmp)
    finally:
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


def bench(a, tmp):
    d, runs = a.duration, a.runs
    out = os.path.join(tmp, "out")
    print(f"\n== closed loop, 1 thread, 64 connections, {d} s, {runs} runs (medians)")
    w = [wrk(64, d) for _ in range(runs)]
    l = [loadgen(["--connections", "64"], d, out) for _ in range(runs)]
    print(f"{'':10} {'req/s':>10} {'CPU us/req':>11} {'errors':>8}")
    print(f"{'wrk':10} {median(w, 'rps'):10.0f} {median(w, 'cpu_us'):11.2f} {w[0]['errors']:>8}")
    print(f"{'loadgen':10} {median(l, 'rps'):10.0f} {median(l, 'cpu_us'):11.2f} {l[0]['errors']:>8}")
    print(f"ratio loadgen/wrk: req/s {median(l, 'rps') / median(w, 'rps'):.2f}, "
          f"CPU per request {median(l, 'cpu_us') / median(w, 'cpu_us'):.2f}")

    for rate in (5000, 20000):
        print(f"\n== open loop at {rate}/s, 1 thread, {d} s, {runs} runs (medians)")
        rows = [loadgen(["--rate", f"{rate}/s"], d, out) for _ in range(runs)]
        ach = median(rows, "achieved")
        print(f"achieved {ach:.1f}/s ({(ach - rate) / rate * 100:+.3f} %), schedule lag p99 "
              f"{median(rows, 'lag_p99'):.3f} ms, latency p99 {median(rows, 'p99_ms'):.3f} ms, "
              f"CPU {median(rows, 'cpu_us'):.2f} us/req, late {median(rows, 'late'):.0f}, "
              f"dropped {median(rows, 'dropped'):.0f}, errors {median(rows, 'errors'):.0f}")

    print(f"\n== 10,000 keep-alive connections at 1000/s, {d} s: peak RSS")
    lc = loadgen(["--rate", "1000/s", "--connections", "10000"], d, out)
    wc = wrk(10000, d)
    print(f"loadgen {lc['rss_mb']:.1f} MB ({lc['errors']} errors, "
          f"{lc['timeline'][-2]['connections']} connections open); wrk (closed loop, "
          f"same connections) {wc['rss_mb']:.1f} MB")

    secs = 600 if a.long else 60
    print(f"\n== RSS over a {secs} s run at 5000/s")
    lr = loadgen(["--rate", "5000/s"], secs, out)
    rss = {t["t"]: t["rss_mb"] for t in lr["timeline"]}
    marks = [m for m in (5, 60, 600) if m < secs or m == 60]
    print("  ".join(f"t={m}s: {rss.get(m - 1, float('nan')):.1f} MB" for m in marks) +
          f"   peak {lr['rss_mb']:.1f} MB")


if __name__ == "__main__":
    main()
