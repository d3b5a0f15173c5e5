#!/usr/bin/env python3
"""The load benchmark of BENCHMARKS.md, in one command: `python3 benches/load/run.py`.

Builds `bench_server` (benches/load/server.rs) in release mode, starts a throwaway MariaDB on a
free loopback port, and runs wrk against, alternating within each round:
  1. the framework's /healthz          vs  2. a hand-written actix /healthz with the same body;
  3. the framework's /ready (a MariaDB ping cached for 1 s), counting the database's round trips;
then each pair side by side (two wrk at once, C connections each, the first to start alternating
from round to round), whose request ratio is the steady measure of relative cost on a shared
machine. Two more pairs run side by side: the framework's /healthz vs a hand-written handler that
does what the body reports (runs the check, times it, formats the body), and, to show that the
harness itself favours neither side, the hand-written server vs a second copy of itself. On axum,
the framework's /healthz (Health::router) vs a hand-written axum handler with the same body, and
vs one that does what the body reports, side by side. Each
round starts fresh servers, in alternating order, so that no process's luck of placement in memory
holds for a whole run. Servers are pinned to core 0 and wrk to core 1. Prints the medians over the
rounds, the p99 latencies and the target ratios in Markdown.

Options: --rounds N (3), --seconds S (10), --connections C (64, per target). With --against
BINARY (a copy of target/release/bench_server from another commit), it only compares this
build's framework /healthz with that build's, side by side, to measure a runtime change: on
actix, or with --server axum on axum. Needs wrk, taskset and MariaDB (apt-get install wrk
mariadb-server mariadb-client); installs them when missing.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import free_port, release_binary, wait_for_port  # noqa: E402  (benches/common.py)
PASSWORD = "bench-pw"
CACHE_TTL_S = 1.0


def which(name, package):
    """The path of the program `name`, installing the Debian `package` that has it when it is
    missing (a fresh machine has no MariaDB)."""
    def found():
        for candidate in (shutil.which(name), f"/usr/sbin/{name}", f"/usr/bin/{name}"):
            if candidate and os.path.exists(candidate):
                return candidate
        return None
    if not found():
        subprocess.run(["apt-get", "install", "-y", "-q", package], check=False)
    return found() or sys.exit(f"`{name}` not found: apt-get install {package}")


class MariaDb:
    """A throwaway server: own data dir, own port, gone at the end."""

    def __init__(self, workdir):
        self.dir = workdir
        self.port = free_port()
        self.socket = os.path.join(workdir, "mariadb.sock")
        subprocess.run(
            [which("mariadb-install-db", "mariadb-server"), "--no-defaults",
             f"--datadir={workdir}/data", f"--tmpdir={workdir}", "--user=root",
             "--auth-root-authentication-method=normal", "--skip-test-db"],
            check=True, capture_output=True)
        self.process = subprocess.Popen(
            [which("mariadbd", "mariadb-server"), "--no-defaults", f"--datadir={workdir}/data",
             f"--socket={self.socket}", f"--port={self.port}", f"--tmpdir={workdir}",
             "--bind-address=127.0.0.1", "--user=root", "--skip-name-resolve", "--skip-log-bin",
             f"--pid-file={workdir}/mariadb.pid"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, self.process, "mariadbd")
        self.sql(f"CREATE USER 'bench'@'%' IDENTIFIED BY '{PASSWORD}'; CREATE DATABASE bench; "
                 "GRANT ALL ON bench.* TO 'bench'@'%';")

    def url(self):
        return f"mysql://bench:{PASSWORD}@127.0.0.1:{self.port}/bench"

    def sql(self, sql):
        return subprocess.run(
            [which("mariadb", "mariadb-client"), "--no-defaults", f"--socket={self.socket}",
             "--user=root", "--batch", "--skip-column-names", "-e", sql],
            check=True, capture_output=True, text=True).stdout

    def round_trips(self):
        """Pings (Com_admin_commands) plus statements (Questions) received so far."""
        rows = self.sql("SHOW GLOBAL STATUS WHERE Variable_name IN "
                        "('Com_admin_commands', 'Questions')")
        values = dict(line.split("\t") for line in rows.strip().splitlines())
        # The SHOW itself counts as one question; leave it out.
        return int(values["Com_admin_commands"]) + int(values["Questions"]) - 1

    def stop(self):
        self.process.kill()
        self.process.wait()


def start_server(binary, mode, env):
    port = free_port()
    process = subprocess.Popen(["taskset", "-c", "0", binary, mode, str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, process, f"bench_server {mode}")
    return port, process


def cpu_seconds(pid):
    """User + system CPU time the process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk_args(port, path, seconds, connections):
    return ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
            f"http://127.0.0.1:{port}{path}"]


def wrk_side_by_side(a, b, seconds, connections, b_first=False):
    """Two loads at once, `connections` each: both targets share the same machine at the same
    moments, so the ratio of their request counts is their cost ratio, free of the drift in the
    machine's speed between one run and the next. `b_first` starts b's load first, so that
    alternating rounds cancel any advantage of the first start."""
    pair = [b, a] if b_first else [a, b]
    runs = [subprocess.Popen(wrk_args(server[0], path, seconds, connections),
                             stdout=subprocess.PIPE, text=True) for server, path in pair]
    counts = [int(re.search(r"(\d+) requests in", run.communicate()[0]).group(1)) for run in runs]
    if b_first:
        counts.reverse()
    return counts[0] / counts[1]


def wrk(server, path, seconds, connections):
    """Requests/s, p99 latency in ms, non-2xx answers, and requests per CPU-second of the server.

    The last is the steadier figure on a shared machine: throughput moves with whatever else the
    host runs, the CPU time a request costs much less."""
    port, process = server
    cpu_before = cpu_seconds(process.pid)
    out = subprocess.run(wrk_args(port, path, seconds, connections),
                         check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    per_cpu_second = requests / (cpu_seconds(process.pid) - cpu_before)
    return rps, p99_ms, int(non_2xx.group(1)) if non_2xx else 0, per_cpu_second


def start_servers(binary, modes, env):
    """One server per mode, started in the order given: {mode: [(port, process), ...]}."""
    servers = {}
    try:
        for mode in modes:
            servers.setdefault(mode, []).append(start_server(binary, mode, env))
    except BaseException:
        stop_servers(servers)
        raise
    return servers


def stop_servers(servers):
    """Stops the servers of `start_servers`, or a list of `start_server`'s."""
    if isinstance(servers, dict):
        servers = [server for started in servers.values() for server in started]
    for _, process in servers:
        process.kill()
        process.wait()


def check_run_round_trips(binary, env, db):
    """Database round trips of one run of the cached check: a cold probe after the cache
    expired."""
    servers = start_servers(binary, ["framework"], env)
    try:
        url = f"http://127.0.0.1:{servers['framework'][0][0]}/ready"
        time.sleep(CACHE_TTL_S + 0.1)
        subprocess.run(["curl", "-sf", "-o", "/dev/null", url], check=True)
        time.sleep(CACHE_TTL_S + 0.1)
        before = db.round_trips()
        subprocess.run(["curl", "-sf", "-o", "/dev/null", url], check=True)
        return db.round_trips() - before
    finally:
        stop_servers(servers)


def compare_builds(binary, other, args):
    """This build's framework /healthz against another build's, side by side, on the server
    `args.server`: the way to measure a change to the runtime. /healthz never touches the
    database, so none is started."""
    mode = {"actix": "framework", "axum": "axum-framework"}[args.server]
    env = dict(os.environ, DATABASE_URL="mysql://bench@127.0.0.1:1/bench")
    ratios = []
    for round_ in range(args.rounds):
        # Fresh servers each round, started in alternating order, as are the loads.
        b_first = round_ % 2 == 1
        servers = []
        try:
            for path in [other, binary] if b_first else [binary, other]:
                servers.append(start_server(path, mode, env))
            if b_first:
                servers.reverse()
            pair = [(server, "/healthz") for server in servers]
            wrk_side_by_side(*pair, 2, args.connections)  # warm-up
            ratios.append(wrk_side_by_side(*pair, args.seconds, args.connections, b_first))
        finally:
            stop_servers(servers)
    rounds = ", ".join(f"{r:.3f}" for r in ratios)
    print(f"- this build's framework /healthz vs {other}, on {args.server}: side by side "
          f"{statistics.median(ratios):.3f} (median; rounds {rounds})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--against", metavar="BINARY",
                        help="only compare this build's framework /healthz with that of another "
                             "bench_server build, side by side")
    parser.add_argument("--server", choices=["actix", "axum"], default="actix",
                        help="the server that --against compares the builds on")
    args = parser.parse_args()

    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)
    binary = release_binary("bench_server")
    if args.against:
        compare_builds(binary, args.against, args)
        return

    with tempfile.TemporaryDirectory() as workdir:
        db = MariaDb(workdir)
        env = dict(os.environ, DATABASE_URL=db.url())
        try:
            one_run = check_run_round_trips(binary, env, db)
            results = {"framework /healthz": [], "hand-written /healthz": [],
                       "framework /ready (cached)": []}
            storm_round_trips = []
            side_by_side = {key: [] for key in
                            ("healthz", "ready", "same", "timed", "axum", "axum-timed")}
            for round_ in range(args.rounds):
                # Fresh servers each round, started in alternating order, so that no process's
                # luck of placement in memory holds for a whole run.
                modes = ["framework", "handwritten", "handwritten", "timed", "axum-framework",
                         "axum-handwritten", "axum-timed"]
                servers = start_servers(binary, modes[::-1] if round_ % 2 else modes, env)
                try:
                    framework = servers["framework"][0]
                    handwritten, copy = servers["handwritten"]
                    if round_ % 2:
                        # Which of the two started first alternates too.
                        handwritten, copy = copy, handwritten
                    axum = (servers["axum-framework"][0], servers["axum-handwritten"][0],
                            servers["axum-timed"][0])
                    for server in (framework, handwritten, copy, servers["timed"][0], *axum):
                        wrk(server, "/healthz", 2, args.connections)  # warm-up
                    runs = [("framework /healthz", framework, "/healthz"),
                            ("hand-written /healthz", handwritten, "/healthz")]
                    if round_ % 2:
                        runs.reverse()
                    for name, server, path in runs:
                        results[name].append(wrk(server, path, args.seconds, args.connections))
                    before = db.round_trips()
                    results["framework /ready (cached)"].append(
                        wrk(framework, "/ready", args.seconds, args.connections))
                    storm_round_trips.append(db.round_trips() - before)
                    pairs = {
                        "healthz": ((framework, "/healthz"), (handwritten, "/healthz")),
                        "ready": ((framework, "/ready"), (framework, "/healthz")),
                        "same": ((handwritten, "/healthz"), (copy, "/healthz")),
                        "timed": ((framework, "/healthz"), (servers["timed"][0], "/healthz")),
                        "axum": ((axum[0], "/healthz"), (axum[1], "/healthz")),
                        "axum-timed": ((axum[0], "/healthz"), (axum[2], "/healthz")),
                    }
                    for key, (a, b) in pairs.items():
                        side_by_side[key].append(wrk_side_by_side(
                            a, b, args.seconds, args.connections, b_first=round_ % 2 == 1))
                finally:
                    stop_servers(servers)
        finally:
            db.stop()

    print(f"\n{args.rounds} rounds of {args.seconds} s, {args.connections} connections per target, "
          f"wrk on core 1, servers on core 0\n")
    print("| target | req/s (median) | req/s per round | p99 ms (median) | non-2xx "
          "| requests per server CPU-second (median) |")
    print("|---|---|---|---|---|---|")
    median, per_cpu = {}, {}
    for name, rows in results.items():
        median[name] = statistics.median(r[0] for r in rows)
        per_cpu[name] = statistics.median(r[3] for r in rows)
        p99 = statistics.median(r[1] for r in rows)
        rounds = ", ".join(f"{r[0]:.0f}" for r in rows)
        print(f"| {name} | {median[name]:.0f} | {rounds} | {p99:.2f} | "
              f"{sum(r[2] for r in rows)} | {per_cpu[name]:.0f} |")

    def ratios(a, b, key):
        paired = side_by_side[key]
        rounds = ", ".join(f"{r:.3f}" for r in paired)
        return (f"side by side {statistics.median(paired):.3f} (median; rounds {rounds}); "
                f"alone {median[a] / median[b]:.3f} in req/s, "
                f"{per_cpu[a] / per_cpu[b]:.3f} in requests per CPU-second")

    print()
    print(f"- framework /healthz vs hand-written /healthz: "
          f"{ratios('framework /healthz', 'hand-written /healthz', 'healthz')} (target >= 0.95)")
    print(f"- framework /ready cached vs framework /healthz: "
          f"{ratios('framework /ready (cached)', 'framework /healthz', 'ready')} (target >= 0.9)")
    timed = side_by_side["timed"]
    print(f"- framework /healthz vs a hand-written handler that runs the check, times it and "
          f"formats the body: side by side {statistics.median(timed):.3f} "
          f"(median; rounds {', '.join(f'{r:.3f}' for r in timed)})")
    on_axum = side_by_side["axum"]
    print(f"- axum: framework /healthz vs hand-written axum /healthz: side by side "
          f"{statistics.median(on_axum):.3f} "
          f"(median; rounds {', '.join(f'{r:.3f}' for r in on_axum)}) (target >= 0.95)")
    axum_timed = side_by_side["axum-timed"]
    print(f"- axum: framework /healthz vs a hand-written axum handler that runs the check, times "
          f"it and formats the body: side by side {statistics.median(axum_timed):.3f} "
          f"(median; rounds {', '.join(f'{r:.3f}' for r in axum_timed)})")
    same = side_by_side["same"]
    print(f"- harness check, hand-written vs a second hand-written server: side by side "
          f"{statistics.median(same):.3f} (median; rounds {', '.join(f'{r:.3f}' for r in same)})")
    bound = (args.seconds / CACHE_TTL_S + 1) * one_run
    worst = max(storm_round_trips)
    print(f"- database round trips per {args.seconds} s storm: "
          f"{', '.join(map(str, storm_round_trips))}; one check run = {one_run}; "
          f"bound ({args.seconds} s / {CACHE_TTL_S:g} s + 1) x {one_run} = {bound:.0f} "
          f"({'met' if worst <= bound else 'NOT met'})")


if __name__ == "__main__":
    main()
