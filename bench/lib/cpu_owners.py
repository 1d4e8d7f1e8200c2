"""Reads `perf report` output of two servers (bench/profile.sh) and prints where a request's CPU
goes in each: by thread and by whose code ran, in microseconds per request, side by side.

    python3 cpu_owners.py FREQ GATEWAY_REPORT GATEWAY_REQUESTS BARE_REPORT BARE_REQUESTS

A report is `perf report -n --no-children --sort comm,dso,sym -g none --field-separator=|`: one
line per (thread name, binary, symbol) with its sample count. At FREQ samples a second per busy
thread, a sample stands for 1/FREQ s of CPU; divided by the requests served while perf recorded, it
gives microseconds per request.
"""
import re
import sys
from collections import Counter
from typing import Iterator, List, Tuple

# Whose code a managed method is, by its assembly (perf names JIT'd code "[Assembly] Type::Method").
# First match wins; the request-timeout rows come before the general ones they would fall into.
MANAGED = [
    ("ASP.NET request timeouts", ("[Microsoft.AspNetCore.Http] Microsoft.AspNetCore.Http.Timeouts",
                                  "Microsoft.AspNetCore.Internal.CancellationTokenSourcePool")),
    ("cancellation tokens, timers, locks", ("System.Threading.CancellationToken", "System.Threading.TimerQueue",
                                     "System.Threading.Lock")),
    ("gateway C#", ("[RobynGateway]",)),
    ("Kestrel", ("[Microsoft.AspNetCore.Server.Kestrel",)),
    ("System.IO.Pipelines", ("[System.IO.Pipelines]", "PinnedBlockMemoryPool")),
    ("System.Net.Sockets", ("[System.Net.Sockets]",)),
    ("ASP.NET middleware, routing", ("[Microsoft.AspNetCore.", "[Microsoft.Extensions.")),
    ("queues (ConcurrentQueue)", ("System.Collections.Concurrent",)),
    ("tasks, thread pool", ("System.Threading.", "System.Runtime.CompilerServices.")),
]

THREADS = [
    ("Python: sync workers", re.compile(r"^robyn-sync")),
    ("Python: stream threads", re.compile(r"^robyn-stream")),
    # The asyncio loop runs on the process's first thread, which keeps the program's name.
    ("Python: event loop", re.compile(r"^(dotnet|RobynGateway)$")),
    ("thread pool", re.compile(r"^\.NET TP Worker")),
    ("socket engine", re.compile(r"^\.NET Sockets")),
    ("GC", re.compile(r"^\.NET (Server|Background) GC|^\.NET BGC")),
]


def rows(path: str) -> Iterator[Tuple[str, str, str, int]]:
    """(thread, binary, symbol, samples) of each line of a report."""
    for line in open(path, encoding="utf-8", errors="replace"):
        if line.startswith("#") or "|" not in line:
            continue
        fields = [f.strip() for f in line.rstrip("\n").split("|")]
        if len(fields) < 5 or not fields[1].isdigit():
            continue
        _, samples, comm, dso, sym = fields[:5]
        yield comm, dso, re.sub(r"^\[[.k]\]\s*", "", sym), int(samples)


def owner(dso: str, sym: str) -> str:
    if dso == "[kernel.kallsyms]":
        return "kernel (system calls, switches, TCP)"
    if dso.startswith("libpython") or ".cpython-" in dso:
        return "Python (libpython, extensions)"
    if dso.startswith("[JIT]") or dso.startswith("perf-") or "doublemapper" in dso:
        if sym.startswith("stub "):
            return "runtime stubs"
        for name, marks in MANAGED:
            if any(mark in sym for mark in marks):
                return name
        return "other managed"
    if dso in ("libcoreclr.so", "libclrjit.so", "libSystem.Native.so"):
        return ".NET runtime (native)"
    return "libc, loader, vdso"


def thread(comm: str) -> str:
    for name, pattern in THREADS:
        if pattern.search(comm):
            return name
    return "other threads"


def tally(path: str) -> Tuple[Counter, Counter]:
    by_thread: Counter = Counter()
    by_owner: Counter = Counter()
    for comm, dso, sym, samples in rows(path):
        by_thread[thread(comm)] += samples
        by_owner[owner(dso, sym)] += samples
    return by_thread, by_owner


def table(title: str, gateway: Counter, bare: Counter, scale: Tuple[float, float]) -> List[str]:
    out = [f"{title:<40} {'gateway':>8} {'bare':>8} {'diff':>8}"]
    keys = sorted(set(gateway) | set(bare), key=lambda k: -(gateway[k] * scale[0] - bare[k] * scale[1]))
    for key in keys:
        g, b = gateway[key] * scale[0], bare[key] * scale[1]
        if g < 0.005 and b < 0.005:
            continue
        out.append(f"{key:<40} {g:8.2f} {b:8.2f} {g - b:+8.2f}")
    g, b = sum(gateway.values()) * scale[0], sum(bare.values()) * scale[1]
    out.append(f"{'total':<40} {g:8.2f} {b:8.2f} {g - b:+8.2f}")
    return out


def main(argv: List[str]) -> None:
    freq = float(argv[1])
    (g_path, g_req), (b_path, b_req) = (argv[2], float(argv[3])), (argv[4], float(argv[5]))
    # microseconds per request that one sample stands for
    scale = (1e6 / freq / g_req, 1e6 / freq / b_req)
    g_thread, g_owner = tally(g_path)
    b_thread, b_owner = tally(b_path)
    print("\n".join(table("by thread (us/request)", g_thread, b_thread, scale)))
    print()
    print("\n".join(table("by whose code ran (us/request)", g_owner, b_owner, scale)))


if __name__ == "__main__":
    main(sys.argv)
