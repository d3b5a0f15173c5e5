#!/usr/bin/env python3
"""Probes while every worker of the app is held: `python3 benches/saturation/run.py`.

Builds benches/saturation/server.rs in release mode and starts it with 2 app workers and a
management port. Blockers keep 8 requests to /block/500 in flight (each holds a worker for 500 ms,
as synchronous work does), so that both workers are held all the time. Meanwhile, for --seconds
(10 by default), one client probes /livez on the app's port and another on the management port,
each a new connection per probe as the kubelet's, with a 5 s timeout; a probe that times out
counts as 5000 ms. It reports p50, p99 and max of each, and the management port's /livez after.
"""

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import free_port, release_binary, wait_for_port  # noqa: E402  (benches/common.py)
TIMEOUT = 5.0


def get(port, path, timeout=TIMEOUT):
    """(status or None, seconds)"""
    started = time.monotonic()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        connection.request("GET", path)
        status = connection.getresponse().status
        connection.close()
    except OSError:
        status = None
    return status, time.monotonic() - started


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    binary = release_binary("saturation_server")
    app, management = free_port(), free_port()
    server = subprocess.Popen([binary, str(app), str(management), "2"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(app, server, "saturation_server")
        wait_for_port(management, server, "saturation_server")
        running = True

        def block():
            while running:
                get(app, "/block/500", timeout=30)

        blockers = [threading.Thread(target=block) for _ in range(8)]
        for blocker in blockers:
            blocker.start()
        time.sleep(1)  # the workers are held and the queue builds

        results = {}

        def probe(port, label, pause):
            samples, failures = [], 0
            until = time.monotonic() + args.seconds
            while time.monotonic() < until:
                status, seconds = get(port, "/livez")
                samples.append(seconds * 1000)
                failures += status != 200
                time.sleep(pause)
            results[label] = (samples, failures)

        probers = [threading.Thread(target=probe, args=(app, "app's port", 0.1)),
                   threading.Thread(target=probe, args=(management, "management port", 0.01))]
        for prober in probers:
            prober.start()
        for prober in probers:
            prober.join()
        after = get(management, "/livez")
        running = False
        for blocker in blockers:
            blocker.join()
    finally:
        server.terminate()
        server.wait()

    print(f"{args.seconds} s of /livez probes while 8 requests of 500 ms hold both app workers")
    print("| port | probes | not 200 | p50 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|")
    for label in ["app's port", "management port"]:
        samples, failures = results[label]
        print(f"| {label} | {len(samples)} | {failures} | {statistics.median(samples):.1f} "
              f"| {percentile(samples, 0.99):.1f} | {max(samples):.1f} |")
    print(f"- the management port's /livez after: {after[0]} (the workers are busy, not wedged)")


if __name__ == "__main__":
    main()
