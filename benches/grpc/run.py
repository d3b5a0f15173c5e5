#!/usr/bin/env python3
"""The gRPC benchmark of BENCHMARKS.md, in one command: `python3 benches/grpc/run.py`.

Builds `grpc_server` (benches/grpc/server.rs) in release mode and runs h2load (nghttp2's HTTP/2
load tool, installed when missing) against `grpc.health.v1.Health/Check` for the service
`readiness`, on two servers side by side: the framework's `Health::grpc_service()` with a cached
readiness check, and tonic-health's own service answering a status set by hand. Both loads run at
once (C connections, M streams each), so the ratio of their request counts is their cost ratio on
this shared machine; which starts first alternates by round, and each round starts fresh servers.
Servers are pinned to core 0, h2load to core 1. First, one call to each is checked to answer
`grpc-status: 0` and SERVING.

Options: --rounds N (5), --seconds S (10), --connections C (8), --streams M (16).
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import free_port, release_binary, wait_for_port  # noqa: E402  (benches/common.py)

# HealthCheckRequest { service: "readiness" } as one gRPC message: uncompressed, its length, then
# protobuf field 1 (tag 0x0a) of 9 bytes.
MESSAGE = b"\x0a\x09readiness"
BODY = b"\x00" + len(MESSAGE).to_bytes(4, "big") + MESSAGE
PATH = "/grpc.health.v1.Health/Check"
HEADERS = ["-H", "content-type: application/grpc", "-H", "te: trailers"]


def start(binary, mode):
    port = free_port()
    process = subprocess.Popen(["taskset", "-c", "0", binary, mode, str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, process, f"grpc_server {mode}")
    return port, process


def answers_serving(port, body_file):
    """One call with nghttp: grpc-status 0 in the trailers, and the message SERVING."""
    call = ["nghttp", *HEADERS, "-d", body_file, f"http://127.0.0.1:{port}{PATH}"]
    trailers = subprocess.run(call[:1] + ["-v"] + call[1:], capture_output=True).stdout
    answer = subprocess.run(call, capture_output=True).stdout
    # The answer: a 5-byte prefix, then field 1 (status) = 1 (SERVING): 08 01.
    ok = b"grpc-status: 0" in trailers and answer == b"\x00\x00\x00\x00\x02\x08\x01"
    return ok, trailers.decode(errors="replace") + repr(answer)


def h2load(port, body_file, seconds, args):
    return subprocess.Popen(
        ["taskset", "-c", "1", "h2load", "-t1", f"-c{args.connections}", f"-m{args.streams}",
         f"-D{seconds}", *HEADERS, "-d", body_file, f"http://127.0.0.1:{port}{PATH}"],
        stdout=subprocess.PIPE, text=True)


def requests_done(run):
    out = run.communicate()[0]
    done = re.search(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded", out)
    if not done:
        sys.exit(f"h2load printed no count:\n{out}")
    return int(done.group(2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--streams", type=int, default=16)
    args = parser.parse_args()
    if not shutil.which("h2load"):
        subprocess.run(["apt-get", "install", "-y", "-q", "nghttp2-client"], check=True)
    binary = release_binary("grpc_server")
    with tempfile.NamedTemporaryFile(suffix=".grpc") as body:
        body.write(BODY)
        body.flush()
        ratios, rates = [], {"framework": [], "reporter": []}
        for round_ in range(args.rounds):
            modes = ["framework", "reporter"] if round_ % 2 == 0 else ["reporter", "framework"]
            servers = {mode: start(binary, mode) for mode in modes}
            try:
                for mode, (port, _) in servers.items():
                    ok, out = answers_serving(port, body.name)
                    if not ok:
                        sys.exit(f"{mode} did not answer grpc-status 0:\n{out}")
                    requests_done(h2load(port, body.name, 2, args))  # warm-up
                runs = {mode: h2load(servers[mode][0], body.name, args.seconds, args)
                        for mode in modes}
                done = {mode: requests_done(run) for mode, run in runs.items()}
            finally:
                for _, process in servers.values():
                    process.kill()
                    process.wait()
            ratios.append(done["framework"] / done["reporter"])
            for mode in done:
                rates[mode].append(done[mode] / args.seconds)
    rounds = ", ".join(f"{r:.3f}" for r in ratios)
    print(f"\n{args.rounds} rounds of {args.seconds} s side by side, {args.connections} connections x "
          f"{args.streams} streams per target, h2load on core 1, servers on core 0\n")
    for mode, label in (("framework", "Health::grpc_service() (cached check)"),
                        ("reporter", "tonic-health HealthReporter (fixed status)")):
        per_round = ", ".join(f"{r:.0f}" for r in rates[mode])
        print(f"- {label}: {statistics.median(rates[mode]):.0f} Check/s while side by side "
              f"(rounds {per_round})")
    print(f"- framework / tonic-health: side by side {statistics.median(ratios):.3f} "
          f"(median; rounds {rounds}) (target >= 0.9)")


if __name__ == "__main__":
    main()
