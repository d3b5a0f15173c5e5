#!/usr/bin/env python3
"""Instructions per /healthz probe, counted by callgrind: `python3 benches/instructions/run.py`.

Unlike requests per second, an instruction count does not move with the machine's other load, so
it shows the effect of a change to the probe's path exactly, run after run. It counts neither
cache misses nor the kernel, and valgrind does not time the clock reads (vDSO) as the hardware
does: the load benchmark (benches/load/run.py) stays the measure of the targets.

Builds benches/instructions/driver.rs in release mode and runs it under callgrind with 2,000 and
with 12,000 probes, for the framework and for a hand-written handler; the difference over the
10,000 extra probes, divided by 10,000, leaves out start-up. The same for axum: the framework's
router and a hand-written axum handler, each called as a tower service. With --against BINARY (a copy of
target/release/probe_instructions from another commit) it also counts that build's
framework. Needs valgrind (apt-get install valgrind).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import release_binary  # noqa: E402  (benches/common.py)
FEW, MANY = 2_000, 12_000


def instructions(binary, mode, probes):
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", binary, mode,
         str(probes)],
        capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"{binary} {mode} {probes} failed:\n{run.stderr}")
    return int(re.search(r"Collected : (\d+)", run.stderr).group(1))


def per_probe(binary, mode):
    return (instructions(binary, mode, MANY) - instructions(binary, mode, FEW)) / (MANY - FEW)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--against", help="another build of the probe_instructions example")
    args = parser.parse_args()
    if not shutil.which("valgrind"):
        sys.exit("`valgrind` not found: apt-get install valgrind")
    binary = release_binary("probe_instructions")
    framework = per_probe(binary, "framework")
    handwritten = per_probe(binary, "handwritten")
    print(f"- framework /healthz: {framework:.0f} instructions per probe")
    print(f"- hand-written /healthz: {handwritten:.0f} instructions per probe")
    print(f"- framework - hand-written: {framework - handwritten:+.0f}")
    on_axum = per_probe(binary, "axum-framework")
    axum_handwritten = per_probe(binary, "axum-handwritten")
    print(f"- axum: framework /healthz: {on_axum:.0f}; hand-written: {axum_handwritten:.0f}; "
          f"framework - hand-written: {on_axum - axum_handwritten:+.0f}")
    if args.against:
        other = per_probe(args.against, "framework")
        print(f"- {args.against} framework /healthz: {other:.0f} instructions per probe "
              f"(this build {framework - other:+.0f})")


if __name__ == "__main__":
    main()
