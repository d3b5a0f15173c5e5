#!/usr/bin/env python3
"""What a long reason costs a probe: `python3 benches/long_reason/run.py`.

Builds benches/long_reason/server.rs in release mode and, for reasons of several sizes and shapes
(each the same short piece repeated), runs the server on core 0 and wrk (1 thread, 64
connections) on core 1 at /readyz for --seconds (8 by default), and reports requests per second.
With --against BINARY (a copy of target/release/long_reason built from another commit) it runs
that build too, reason by reason. Needs wrk and taskset (apt-get install wrk util-linux).
"""

import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import free_port, release_binary, wait_for_port  # noqa: E402  (benches/common.py)

REASONS = [
    ("Bearer x ", 10, "90 B of 'Bearer x '"),
    ("Bearer x ", 680, "6 KB of 'Bearer x '"),
    ("Bearer x ", 12_000, "108 KB of 'Bearer x '"),
    (":", 262_144, "256 KB of ':'"),
    ("x", 65_536, "64 KB of 'x'"),
]


def requests_per_second(binary, piece, repeat, seconds):
    port = free_port()
    env = dict(os.environ, PIECE=piece, REPEAT=str(repeat))
    server = subprocess.Popen(["taskset", "-c", "0", binary, str(port)], env=env,
                              stdout=subprocess.DEVNULL)
    try:
        wait_for_port(port, server, binary)
        wrk = subprocess.run(["taskset", "-c", "1", "wrk", "-t1", "-c64", f"-d{seconds}s",
                              f"http://127.0.0.1:{port}/readyz"],
                             capture_output=True, text=True, check=True)
    finally:
        server.terminate()
        server.wait()
    return float(re.search(r"Requests/sec:\s+([\d.]+)", wrk.stdout).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--against", help="another build of long_reason")
    args = parser.parse_args()
    binaries = [("this build", release_binary("long_reason"))]
    if args.against:
        binaries.append(("--against", args.against))
    print("| reason | " + " | ".join(f"{name} req/s" for name, _ in binaries) + " |")
    print("|---|" + "---|" * len(binaries))
    for piece, repeat, shown in REASONS:
        rates = [requests_per_second(binary, piece, repeat, args.seconds)
                 for _, binary in binaries]
        print(f"| {shown} | " + " | ".join(f"{rate:,.0f}" for rate in rates) + " |")


if __name__ == "__main__":
    main()
