"""A gRPC health client this project did not write, Python's grpcio-health-checking, against the
grpc example: `python grpcio_client.py HOST:PORT MAINTENANCE_FILE`. Prints one line per step; after
the line `watching` its driver sends the service SIGTERM, and the script reads the open watches to
their end."""

import os
import sys
import time

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

address, maintenance = sys.argv[1], sys.argv[2]
stub = health_pb2_grpc.HealthStub(grpc.insecure_channel(address))
status_name = health_pb2.HealthCheckResponse.ServingStatus.Name


def say(line):
    print(line, flush=True)


def asking(service):
    return health_pb2.HealthCheckRequest(service=service)


for service in ["", "liveness", "readiness", "startup", "readiness/sqlite", "example.v1.Orders",
                "group/deep", "group/deep/writable"]:
    say(f"check {service!r} {status_name(stub.Check(asking(service)).status)}")
listed = stub.List(health_pb2.HealthListRequest()).statuses
say("list " + ", ".join(f"{name!r} {status_name(listed[name].status)}" for name in sorted(listed)))
unknown_names = {
    "nope": "nope",
    "16 KB of 'x'": "x" * 16384,
    "10 KB of 'é'": "é" * 5120,
    "3000 '\\x01'": "\x01" * 3000,
}
for shown, name in unknown_names.items():
    try:
        stub.Check(asking(name))
        say(f"check {shown!r} answered")
    except grpc.RpcError as error:
        say(f"check {shown!r} {error.code().name}")
answer = stub.Check(asking("readiness"), timeout=0.5)
say(f"check 'readiness' with a 0.5 s deadline {status_name(answer.status)}")

watch = stub.Watch(asking("readiness"))
say(f"watch 'readiness' {status_name(next(watch).status)}")
open(maintenance, "w").close()
say(f"watch 'readiness' {status_name(next(watch).status)} (maintenance)")
listed = stub.List(health_pb2.HealthListRequest()).statuses
say("list in maintenance " + ", ".join(
    f"{name!r} {status_name(listed[name].status)}"
    for name in ["", "readiness", "readiness/maintenance", "readiness/sqlite", "example.v1.Orders"]))
os.remove(maintenance)
say(f"watch 'readiness' {status_name(next(watch).status)} (maintenance over)")
watch.cancel()

unknown = stub.Watch(asking("nope"))
first = status_name(next(unknown).status)
time.sleep(0.5)
say(f"watch 'nope' {first}, then {'open' if unknown.is_active() else 'closed'}")
unknown.cancel()

watches = {service: stub.Watch(asking(service)) for service in ["readiness", ""]}
for service, open_watch in watches.items():
    assert status_name(next(open_watch).status) == "SERVING", service
say("watching")
for service, open_watch in watches.items():
    statuses = ", ".join(status_name(answer.status) for answer in open_watch)
    say(f"watch {service!r} after SIGTERM: {statuses}, then the stream ended")
