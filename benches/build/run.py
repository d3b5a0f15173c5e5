#!/usr/bin/env python3
"""Cold builds, as a newcomer meets them: `python3 benches/build/run.py`.

Each measurement starts from an empty target directory (crates already downloaded: the script
runs `cargo fetch` first) with `-j2`, and records wall time, CPU time (user + system of cargo and
everything it ran) and the number of crates compiled:
  - `cargo build -p quickstart`: the README's first command, without running the service;
  - `cargo build -p plain-app`: the same service written without health-runtime (one hand-written
    `/ready` handler on actix-web and sqlx's SQLite), which the quickstart is compared with;
  - `cargo xtask test`: the README's second command, the whole suite, built and run (the
    database servers already installed).
With --rounds R the two builds run R times each, alternating which goes first; the suite runs
once (skip it with --no-suite).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import ROOT  # noqa: E402  (benches/common.py)


def cold(command):
    """Runs `command` against a fresh target directory: (wall s, CPU s, crates compiled, ok)."""
    with tempfile.TemporaryDirectory(prefix="cold-build-") as target:
        env = dict(os.environ, CARGO_TARGET_DIR=target, CARGO_BUILD_JOBS="2")
        before = os.times()
        started = time.monotonic()
        run = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        wall = time.monotonic() - started
        after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system
                                                          - before.children_system)
    compiled = len(re.findall(r"^\s+Compiling ", run.stderr, re.MULTILINE))
    if run.returncode != 0:
        sys.stderr.write(run.stderr[-4000:])
    return wall, cpu, compiled, run.returncode == 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--no-suite", action="store_true")
    args = parser.parse_args()
    subprocess.run(["cargo", "fetch", "--quiet"], cwd=ROOT, check=True)

    builds = {
        "quickstart": ["cargo", "build", "-p", "quickstart"],
        "plain-app": ["cargo", "build", "-p", "plain-app"],
    }
    results = {name: [] for name in builds}
    for round in range(args.rounds):
        order = list(builds) if round % 2 == 0 else list(reversed(builds))
        for name in order:
            wall, cpu, compiled, ok = cold(builds[name])
            results[name].append((wall, cpu, compiled))
            print(f"round {round + 1}: {name}: {wall:.0f} s wall, {cpu:.0f} s CPU, "
                  f"{compiled} crates{'' if ok else ' (FAILED)'}", flush=True)
    for name, runs in results.items():
        walls = sorted(run[0] for run in runs)
        cpus = sorted(run[1] for run in runs)
        print(f"- {name}: median {walls[len(walls) // 2]:.0f} s wall, "
              f"{cpus[len(cpus) // 2]:.0f} s CPU, {runs[0][2]} crates")
    quick = sorted(run[1] for run in results["quickstart"])
    plain = sorted(run[1] for run in results["plain-app"])
    print(f"- CPU quickstart / plain-app: {quick[len(quick) // 2] / plain[len(plain) // 2]:.2f}")

    if not args.no_suite:
        wall, cpu, compiled, ok = cold(["cargo", "xtask", "test"])
        print(f"- cargo xtask test, cold: {wall:.0f} s wall, {cpu:.0f} s CPU, {compiled} crates"
              f"{'' if ok else ' (FAILED)'}")


if __name__ == "__main__":
    main()
