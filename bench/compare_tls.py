#!/usr/bin/env python3
"""HTTPS cost of loadgen beside wrk (which speaks TLS too), same nginx, same run.

Not a test: it prints figures (medians of several runs) for README "Performance" and issue
notes. Generator on core 0, nginx on core 1, all traffic to 127.0.0.1; every process it starts
is stopped before it exits. The certificate (ECDSA P-256 for 127.0.0.1) is made with the
`openssl` command; without it the benchmark is skipped with a message.

  python3 bench/compare_tls.py [--runs 3] [--duration 5] [--quick]

  1. keep-alive closed loop, 1 thread, 64 connections, over HTTPS and over plain HTTP:
     requests/s and CPU us per request (user+sys, wait4's rusage), loadgen / wrk ratios
  2. open loop at 2,000/s over HTTPS: achieved rate (target within 0.5 %), schedule lag p99
     (target < 1 ms), CPU per request
  3. a new connection per request (--no-keepalive) at 500/s, with and without session
     resumption: handshakes/s, resumed share, handshake time p50/p99, CPU per handshake
     (wrk cannot open a connection per request: loadgen only)
  4. 10,000 TLS connections opened at start and held (open loop at 100/s over them): peak
     RSS and RSS per connection (target < 128 MB in all), beside wrk with as many
"""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare_wrk as cw  # noqa: E402  (run_child, start_nginx, loadgen, wrk, busy_share)

TLS_PORT = cw.PORT + 1
TLS_URL = f"https://127.0.0.1:{TLS_PORT}/index.html"


def make_cert(tmp):
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "1", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    return (cert, key) if r.returncode == 0 else None


def median(rows, key):
    return statistics.median(r[key] for r in rows)


def tls_loadgen(args, duration, out, cert):
    return cw.loadgen(args + ["--ca-file", cert], duration, out, url=TLS_URL)


def keepalive(a, out, cert):
    print(f"\n== 1. keep-alive closed loop, 1 thread, 64 connections, {a.duration} s, "
          f"medians of {a.runs}")
    print(f"{'':18} {'req/s':>9} {'CPU us/req':>10}")
    figures = {}
    for name, url in (("https", TLS_URL), ("http", cw.URL)):
        w = [cw.wrk(64, a.duration, url=url) for _ in range(a.runs)]
        extra = ["--ca-file", cert] if url == TLS_URL else []
        lg = [cw.loadgen(["--connections", "64"] + extra, a.duration, out, url=url)
              for _ in range(a.runs)]
        figures[name] = (median(lg, "cpu_us"), median(w, "cpu_us"))
        print(f"{'wrk ' + name:18} {median(w, 'rps'):9.0f} {median(w, 'cpu_us'):10.2f}")
        print(f"{'loadgen ' + name:18} {median(lg, 'rps'):9.0f} {median(lg, 'cpu_us'):10.2f}")
    for name, (lg, w) in figures.items():
        print(f"ratio loadgen/wrk CPU per request over {name}: {lg / w:.2f}")
    print(f"TLS overhead (https/http CPU per request): loadgen "
          f"{figures['https'][0] / figures['http'][0]:.2f}, wrk "
          f"{figures['https'][1] / figures['http'][1]:.2f}")


def open_loop(a, out, cert):
    rate = 2000
    rows = [tls_loadgen(["--rate", f"{rate}/s"], a.duration, out, cert) for _ in range(a.runs)]
    ach = median(rows, "achieved")
    print(f"\n== 2. open loop at {rate}/s over HTTPS, {a.duration} s, medians of {a.runs}")
    print(f"achieved {ach:.1f}/s ({(ach - rate) / rate * 100:+.3f} %), schedule lag p99 "
          f"{median(rows, 'lag_p99'):.3f} ms, latency p99 {median(rows, 'p99_ms'):.3f} ms, "
          f"CPU {median(rows, 'cpu_us'):.1f} us/req, errors {median(rows, 'errors'):.0f}")


def handshakes(a, out, cert):
    rate = 500
    print(f"\n== 3. a new connection per request at {rate}/s over HTTPS (--no-keepalive), "
          f"{a.duration} s, medians of {a.runs}; wrk cannot do this")
    print(f"{'':14} {'handshakes/s':>12} {'resumed':>8} {'hs p50 ms':>9} {'hs p99 ms':>9} "
          f"{'CPU us/hs':>9} {'errors':>6}")
    for name, extra in (("resume on", []), ("resume off", ["--no-tls-resume"])):
        rows = []
        for _ in range(a.runs):
            r = tls_loadgen(["--rate", f"{rate}/s", "--no-keepalive"] + extra, a.duration, out,
                            cert)
            s = r["summary"]
            n = max(s["handshakes"], 1)
            rows.append({"hs": s["handshakes"] / a.duration, "resumed": s["resumed"] / n,
                         "p50": s["handshake_ms"]["p50"], "p99": s["handshake_ms"]["p99"],
                         "cpu": r["cpu_us"] * r["requests"] / n, "errors": r["errors"]})
        print(f"{name:14} {median(rows, 'hs'):12.1f} {median(rows, 'resumed') * 100:7.0f}% "
              f"{median(rows, 'p50'):9.3f} {median(rows, 'p99'):9.3f} {median(rows, 'cpu'):9.1f} "
              f"{median(rows, 'errors'):6.0f}")


def idle_connections(a, out, cert):
    print(f"\n== 4. TLS connections opened at start and held, open loop 100/s over them, "
          f"{a.duration} s")
    for n in (1000, 10000):
        r = tls_loadgen(["--rate", "100/s", "--connections", str(n)], a.duration, out, cert)
        opened = r["summary"]["handshakes"]
        w = cw.wrk(n, a.duration, url=TLS_URL)
        print(f"{n:6} connections: loadgen {opened} handshakes, peak RSS {r['rss_mb']:.1f} MB "
              f"({r['rss_mb'] * 1024 / max(opened, 1):.1f} KB per connection), errors "
              f"{r['errors']}; wrk -c{n} (closed loop) peak RSS {w['rss_mb']:.1f} MB")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="1 run of 3 s (a smoke test)")
    a = ap.parse_args()
    if a.quick:
        a.runs, a.duration = 1, 3
    for tool in ("wrk", "nginx", "taskset", "openssl"):
        if not shutil.which(tool):
            print(f"skipped: {tool} missing (bash ci/install-deps.sh --bench; openssl)")
            return
    if not os.path.exists(cw.LOADGEN):
        subprocess.check_call(["bash", os.path.join(cw.ROOT, "ci", "build.sh")])
    tmp = tempfile.mkdtemp(prefix="loadgen-bench-tls.")
    nginx = None
    try:
        files = make_cert(tmp)
        if not files:
            print("skipped: openssl could not make a certificate")
            return
        nginx = cw.start_nginx(tmp, tls=(TLS_PORT,) + files)
        print(f"machine busy before start: {cw.busy_share() * 100:.0f}% of all cores")
        out = os.path.join(tmp, "out")
        keepalive(a, out, files[0])
        open_loop(a, out, files[0])
        handshakes(a, out, files[0])
        idle_connections(a, out, files[0])
    finally:
        if nginx:
            nginx.send_signal(signal.SIGQUIT)
            nginx.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
