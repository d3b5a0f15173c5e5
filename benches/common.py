"""What the benchmark scripts share: the repository's root, building a benchmark binary, free
loopback ports, and waiting for a server to listen."""

import os
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def release_binary(name):
    """Builds the `health-benches` binary `name` in release mode; returns its path."""
    subprocess.run(["cargo", "build", "--release", "-p", "health-benches", "--bin", name],
                   cwd=ROOT, check=True)
    return os.path.join(ROOT, "target", "release", name)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, process, what):
    """Waits until `port` accepts connections; exits if `process` ends first or 30 s pass."""
    deadline = time.time() + 30
    while time.time() < deadline:
        if process.poll() is not None:
            sys.exit(f"{what} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"{what} did not listen on {port}")
