#!/usr/bin/env python3
"""A storm of probes at a check that fails on every probe: `python3 benches/panics/run.py`.

Builds benches/panics/server.rs in release mode and, for a check that panics and for one that
returns an error (each with a password in its message), with RUST_BACKTRACE unset and set to 1,
runs wrk (1 thread, 64 connections) at /livez for --seconds (20 by default). It reports probes
per second, and what the service wrote to stderr: lines, bytes, and how often the password.
Needs wrk (apt-get install wrk).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import free_port, release_binary, wait_for_port  # noqa: E402  (benches/common.py)


def storm(binary, mode, backtrace, seconds):
    port = free_port()
    env = dict(os.environ)
    env.pop("RUST_BACKTRACE", None)
    if backtrace:
        env["RUST_BACKTRACE"] = "1"
    with tempfile.TemporaryFile() as stderr:
        server = subprocess.Popen([binary, mode, str(port)], env=env, stderr=stderr,
                                  stdout=subprocess.DEVNULL)
        try:
            wait_for_port(port, server, "panic_storm")
            wrk = subprocess.run(["wrk", "-t1", "-c64", f"-d{seconds}s",
                                  f"http://127.0.0.1:{port}/livez"],
                                 capture_output=True, text=True, check=True)
        finally:
            server.terminate()
            server.wait()
        stderr.seek(0)
        log = stderr.read()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", wrk.stdout).group(1))
    return rate, log.count(b"\n"), len(log), log.count(b"hunter2")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("`wrk` not found: apt-get install wrk")
    binary = release_binary("panic_storm")
    print(f"{args.seconds} s of wrk -t1 -c64 at /livez, one worker")
    print("| check | RUST_BACKTRACE | probes/s | lines on stderr | bytes on stderr | password seen |")
    print("|---|---|---|---|---|---|")
    rates = {}
    for mode in ["errors", "panics"]:
        for backtrace in [False, True]:
            rate, lines, size, secrets = storm(binary, mode, backtrace, args.seconds)
            rates[(mode, backtrace)] = rate
            print(f"| {'panics' if mode == 'panics' else 'returns an error'} "
                  f"| {'1' if backtrace else 'unset'} | {rate:.0f} | {lines} | {size} "
                  f"| {secrets} |", flush=True)
    for backtrace in [False, True]:
        ratio = rates[("panics", backtrace)] / rates[("errors", backtrace)]
        print(f"- panics / errors, RUST_BACKTRACE {'1' if backtrace else 'unset'}: {ratio:.2f} "
              f"(aim: at least 0.5)")


if __name__ == "__main__":
    main()
