"""Fan-out of a websocket broadcast across gateway instances joined by --broadcast (Redis), against
the same broadcast to as many clients of one instance (no --broadcast). Starts its own redis-server on a free loopback port and the
gateways (the Release build), runs the deep-dive chat app (tests/apps/broadcast_app.py, its
websocket.broadcast() action), and prints one line per setup:

    <setup> latency p50 <ms> p99 <ms> (<n> deliveries) | fan-out <deliveries/s>

Latency: one sender sends MESSAGES broadcasts paced PACE ms apart, each stamped with the sender's
clock; every client (CLIENTS per instance) records arrival minus stamp. Fan-out: the sender sends
BURST broadcasts back to back; deliveries per second until every client has all of them.

    flock /work/wt/bench.lock /usr/bin/python3 bench/broadcast_fanout.py   # CLIENTS=10 MESSAGES=300 BURST=2000
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time

import websocket  # Debian's python3-websocket

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DLL = os.environ.get("GATEWAY_DLL", os.path.join(ROOT, "src/RobynGateway/bin/Release/net10.0/RobynGateway.dll"))
APP = os.path.join(ROOT, "tests/apps/broadcast_app.py")
CLIENTS = int(os.environ.get("CLIENTS", "10"))
MESSAGES = int(os.environ.get("MESSAGES", "300"))
PACE = float(os.environ.get("PACE", "5")) / 1000
BURST = int(os.environ.get("BURST", "2000"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"process on {port} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port}")


def gateway(redis_url, extra=()):
    port = free_port()
    args = ["dotnet", DLL, APP, "--port", str(port), "--log-level", "WARNING", *extra]
    if redis_url:
        args += ["--broadcast", redis_url]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port, proc)
    return port, proc


class Receiver(threading.Thread):
    def __init__(self, port):
        super().__init__(daemon=True)
        self.ws = websocket.create_connection(f"ws://127.0.0.1:{port}/ws", timeout=30)
        self.ws.recv()  # the greeting
        self.latencies, self.count, self.done = [], 0, threading.Event()
        self.expect = 0

    def run(self):
        try:
            while True:
                text = self.ws.recv()
                now = time.perf_counter()
                data = json.loads(text)
                if "shout" not in data:
                    continue
                stamp, kind = data["shout"].split(" ")
                self.count += 1
                if kind == "lat":
                    self.latencies.append(now - float(stamp))
                if self.count >= self.expect:
                    self.done.set()
        except Exception:
            self.done.set()


def run(setup, ports):
    receivers = [Receiver(p) for p in ports for _ in range(CLIENTS)]
    sender = websocket.create_connection(f"ws://127.0.0.1:{ports[0]}/ws", timeout=30)
    sender.recv()
    # Wait until the sender's instance sees everyone (presence crosses Redis first).
    total = len(receivers) + 1
    for _ in range(100):
        sender.send(json.dumps({"action": "who"}))
        while True:
            answer = json.loads(sender.recv())
            if "who" in answer:
                break
        if len(answer["who"]) == total:
            break
        time.sleep(0.1)
    for r in receivers:
        r.expect = MESSAGES + BURST
        r.start()
    drain = threading.Thread(target=lambda: [sender.recv() for _ in range(2 * (MESSAGES + BURST))], daemon=True)
    drain.start()
    for _ in range(MESSAGES):
        sender.send(json.dumps({"action": "shout", "text": f"{time.perf_counter()} lat"}))
        time.sleep(PACE)
    start = time.perf_counter()
    for _ in range(BURST):
        sender.send(json.dumps({"action": "shout", "text": f"{time.perf_counter()} burst"}))
    for r in receivers:
        r.done.wait(120)
    elapsed = time.perf_counter() - start
    lat = sorted(x for r in receivers for x in r.latencies)
    delivered = sum(r.count for r in receivers) - len(receivers) * MESSAGES
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else float("nan")
    print(f"{setup}: latency p50 {p(0.5):.2f} ms p99 {p(0.99):.2f} ms ({len(lat)} deliveries) | "
          f"fan-out {delivered / elapsed:,.0f} deliveries/s ({delivered} of {len(receivers) * BURST} in {elapsed:.2f} s)",
          flush=True)
    sender.close()
    for r in receivers:
        r.ws.close()


def main():
    if not os.path.exists(DLL):
        raise SystemExit(f"{DLL} is missing: dotnet build RobynGateway.sln -c Release")
    redis_port = free_port()
    redis = subprocess.Popen(["/usr/bin/redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                              "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs = [redis]
    try:
        wait_port(redis_port, redis)
        url = f"redis://127.0.0.1:{redis_port}/9"
        port, proc = gateway(None)
        procs.append(proc)
        run(f"1 instance, {3 * CLIENTS} clients", [port] * 3)
        proc.terminate()
        proc.wait(30)
        ports = []
        for _ in range(3):
            port, proc = gateway(url)
            procs.append(proc)
            ports.append(port)
        run(f"3 instances via Redis, {CLIENTS} clients each", ports)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    sys.exit(main())
