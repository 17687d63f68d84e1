#!/usr/bin/env python3
"""Capacity of the embedded stack: the open-loop rate at which p95 latency crosses 100 ms,
for 1..4 replicas, on /api/work?ms=20 (I/O-bound: 4 PHP workers per replica) and on
/api/item (CPU-bound: PHP + MariaDB). Also the bring-up figures (cold and warm), teardown
time and RSS per process type. Not a test: prints figures for README and issue notes.

  python3 bench/stack_capacity.py [--step-seconds 5] [--replicas 1,2,3,4] [--skip-cold]
Loopback only; every stack it starts is stopped (loadgen stack down) before it exits.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOADGEN = os.environ.get("LOADGEN", os.path.join(ROOT, "build", "loadgen", "app", "loadgen"))
BASE = 18200
PATHS = {
    "/api/work?ms=20": [50, 100, 150, 200, 250, 300, 400, 500, 600, 800, 1000],
    "/api/item?id={{rand 1 10000}}": [250, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 5000],
}


def lg(*args, check=True):
    r = subprocess.run([LOADGEN, *args], capture_output=True, text=True)
    if check and r.returncode != 0:
        sys.exit(f"loadgen {' '.join(args)} failed ({r.returncode}):\n{r.stdout}{r.stderr}")
    return r


def stack_up(replicas):
    t0 = time.monotonic()
    out = lg("stack", "up", "--replicas", str(replicas), "--max-replicas", "4", "--base-port",
             str(BASE)).stdout
    wall = time.monotonic() - t0
    up_ms = int(re.search(r"up in\s+(\d+) ms", out).group(1))
    run_dir = re.search(r"run dir\s+(\S+)", out).group(1)
    return up_ms, wall, run_dir


def stack_down():
    t0 = time.monotonic()
    lg("stack", "down")
    return time.monotonic() - t0


def capacity(path, rates, step_s, tmp):
    scenario = {"schema_version": 1, "name": "capacity", "target": f"http://127.0.0.1:{BASE}",
                "requests": [{"path": path}], "timeout": "2s", "threads": 1,
                "steps": [{"rate": f"{r}/s", "duration": f"{step_s}s"} for r in rates]}
    f = os.path.join(tmp, "capacity.json")
    with open(f, "w") as fh:
        json.dump(scenario, fh)
    out = os.path.join(tmp, "out")
    lg(f, "--quiet", "--out", out, "--overwrite", check=False)
    with open(os.path.join(out, "result.json")) as fh:
        steps = json.load(fh)["steps"]
    best, rows = 0, []
    for s in steps:
        p95, err = s["latency_ms"]["p95"], s["error_rate"]
        rows.append(f"{s['target_rate']:.0f}/s:p95={p95:.1f}ms" + (f",err={err:.1%}" if err else ""))
        if p95 < 100 and err < 0.01:
            best = s["target_rate"]
        else:
            break
    return best, rows


def rss_by_type(run_dir):
    groups = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                cmd = fh.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{pid}/status") as fh:
                rss = int(re.search(r"VmRSS:\s+(\d+)", fh.read()).group(1)) / 1024
        except (OSError, AttributeError):
            continue
        for key in ("mariadbd", "php-fpm: master", "php-fpm: pool", "nginx: master",
                    "nginx: worker", "haproxy"):
            if key in cmd and (run_dir in cmd or key in ("php-fpm: pool", "nginx: worker")):
                groups.setdefault(key, []).append(rss)
    return {k: (len(v), sum(v) / len(v)) for k, v in groups.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--step-seconds", type=int, default=5)
    ap.add_argument("--replicas", default="1,2,3,4")
    ap.add_argument("--skip-cold", action="store_true")
    a = ap.parse_args()
    if not os.path.exists(LOADGEN):
        subprocess.check_call(["bash", os.path.join(ROOT, "ci", "build.sh")])
    tmp = tempfile.mkdtemp(prefix="loadgen-capacity.")
    try:
        if not a.skip_cold:
            cache = os.path.expanduser("~/.cache/loadgen")
            shutil.rmtree(cache, ignore_errors=True)
            subprocess.run(["sh", "-c", "sync; echo 3 > /proc/sys/vm/drop_caches"], check=False)
            up_ms, wall, _ = stack_up(2)
            down_s = stack_down()
            print(f"cold bring-up (no MariaDB template, page cache dropped), 2 replicas: first 200 "
                  f"after {up_ms} ms ({wall:.2f} s wall for the command); teardown {down_s:.2f} s")
        for _ in range(3):
            up_ms, wall, run_dir = stack_up(2)
            down_s = stack_down()
            print(f"warm bring-up, 2 replicas: first 200 after {up_ms} ms ({wall:.2f} s wall); "
                  f"teardown {down_s:.2f} s")
        for path, rates in PATHS.items():
            for n in [int(x) for x in a.replicas.split(",")]:
                _, _, run_dir = stack_up(n)
                try:
                    best, rows = capacity(path, rates, a.step_seconds, tmp)
                    if n == 1 and path.startswith("/api/item"):
                        rss = rss_by_type(run_dir)
                finally:
                    stack_down()
                print(f"{path} with {n} replica(s): p95 < 100 ms up to {best:.0f}/s   "
                      f"[{' '.join(rows)}]")
        print("RSS after load, 1 replica (count x mean MB): " +
              ", ".join(f"{k} {c} x {m:.1f}" for k, (c, m) in sorted(rss.items())))
    finally:
        lg("stack", "down", check=False)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
