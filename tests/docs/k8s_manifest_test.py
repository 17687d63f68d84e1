#!/usr/bin/env python3
"""Offline checks of docs/k8s/loadgen-shards.yaml (no cluster needed).

Usage: k8s_manifest_test.py MANIFEST LOADGEN

Parses the manifest with PyYAML and checks what makes it a sharded loadgen run: an Indexed
Job with completions == parallelism == the N of `--shard ...$((JOB_COMPLETION_INDEX+1))/N`,
--start-at and --out per shard, the scenario and results volumes mounted. The scenario in the
ConfigMap is checked as JSON (required keys) and then by loadgen's own loader: run with an
impossible --start-at, loadgen loads and validates the scenario first and only then refuses
the start time (exit 2 naming --start-at), so nothing is ever sent; a bad scenario would be
refused earlier, naming the file and the JSON pointer.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    sys.exit("python3-yaml is missing: apt-get install python3-yaml (ci/install-deps.sh does)")


def fail(msg):
    sys.exit(f"{sys.argv[1]}: {msg}")


def check(cond, msg):
    if not cond:
        fail(msg)


def by_kind(docs, kind):
    found = [d for d in docs if d and d.get("kind") == kind]
    check(len(found) >= 1, f"no {kind} in the manifest")
    return found


def check_job(job, configmap_name, pvc_name):
    spec = job["spec"]
    check(job.get("apiVersion") == "batch/v1", "the Job's apiVersion is not batch/v1")
    check(spec.get("completionMode") == "Indexed", "completionMode is not Indexed")
    n = spec.get("completions")
    check(isinstance(n, int) and n >= 1, "completions is not a positive integer")
    check(spec.get("parallelism") == n, "parallelism differs from completions: shards share START_AT")
    pod = spec["template"]["spec"]
    check(pod.get("restartPolicy") == "Never", "restartPolicy is not Never")
    containers = pod["containers"]
    check(len(containers) == 1, "expected one container")
    c = containers[0]
    script = " ".join(c.get("command", []) + c.get("args", []))
    m = re.search(r"--shard \$\(\(JOB_COMPLETION_INDEX ?\+ ?1\)\)/(\d+)", script)
    check(m, "the command lacks --shard $((JOB_COMPLETION_INDEX+1))/N")
    check(int(m.group(1)) == n, f"--shard .../{m.group(1)} but completions is {n}")
    check('--start-at "$START_AT"' in script, 'the command lacks --start-at "$START_AT"')
    check("--out /results/shard-$JOB_COMPLETION_INDEX" in script, "each shard needs its own --out")
    check("/scenario/scenario.json" in script, "the command does not run /scenario/scenario.json")
    check(any(e.get("name") == "START_AT" for e in c.get("env", [])), "no START_AT in env")
    mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    check(mounts.get("scenario") == "/scenario", "the scenario volume is not at /scenario")
    check(mounts.get("results") == "/results", "the results volume is not at /results")
    check(volumes["scenario"]["configMap"]["name"] == configmap_name, "scenario volume: wrong ConfigMap")
    check(volumes["results"]["persistentVolumeClaim"]["claimName"] == pvc_name,
          "results volume: wrong PersistentVolumeClaim")
    return n


def check_scenario(text, loadgen):
    try:
        scenario = json.loads(text)
    except json.JSONDecodeError as e:
        fail(f"the ConfigMap's scenario.json is not JSON: {e}")
    for key in ("schema_version", "name", "target", "steps"):
        check(key in scenario, f"the scenario lacks \"{key}\"")
    check("stack" not in scenario, "shards need a shared target, not an embedded stack")
    check(scenario["steps"] and all("duration" in s for s in scenario["steps"]),
          "every step needs a duration")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "scenario.json")
        with open(path, "w") as f:
            f.write(text)
        # 1970-01-01: long past, so loadgen stops right after loading the scenario.
        run = subprocess.run([loadgen, path, "--shard", "1/4", "--start-at", "0", "--quiet"],
                             capture_output=True, text=True, timeout=20)
    out = run.stdout + run.stderr
    check(run.returncode == 2 and "--start-at: '0'" in out,
          f"loadgen did not accept the scenario (exit {run.returncode}):\n{out}")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        docs = list(yaml.safe_load_all(f))
    cm = by_kind(docs, "ConfigMap")[0]
    pvc = by_kind(docs, "PersistentVolumeClaim")[0]
    check("ReadWriteMany" in pvc["spec"]["accessModes"], "the results PVC is not ReadWriteMany")
    jobs = by_kind(docs, "Job")
    check(len(jobs) == 1, "expected one Job")
    n = check_job(jobs[0], cm["metadata"]["name"], pvc["metadata"]["name"])
    check_scenario(cm["data"]["scenario.json"], sys.argv[2])
    print(f"ok: Indexed Job of {n} shards, scenario accepted by loadgen")


if __name__ == "__main__":
    main()
