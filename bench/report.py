"""Turns a bench/run.sh run (RESULTS/latest.tsv, latest.meta, latest.notes) into RESULTS/latest.md.

    python3 bench/report.py bench/results              # writes latest.md and prints it
    python3 bench/report.py bench/results --publish    # also: README's Benchmarks block and docs/bench.png

--publish replaces what is between `<!-- bench:begin -->` and `<!-- bench:end -->` in README.md
with the summary of this run (facts, chart, tables) and copies latest.png to docs/bench.png.
Standard library only."""

import csv
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
SHORT = {  # column headings of the summary
    "sync JSON": "sync JSON",
    "async JSON": "async JSON",
    "hooked JSON": "hooked JSON",
    "static file": "static file",
    "CPU 1 ms": "CPU 1 ms",
    "async sleep 1 ms": "sleep 1 ms",
    "DB page": "DB page",
    "ws echo, seed API": "ws echo (seed API)",
    "ws echo, 0.88 API": "ws echo",
}


@dataclass
class Row:
    kind: str
    workload: str
    path: str
    target: str
    status: str
    reason: str
    rps: Optional[float]
    rps_min: Optional[float]
    rps_max: Optional[float]
    p50: Optional[float]
    p99: Optional[float]
    server_cpus: str
    db_cpus: str
    foreign_cpus: str
    rss: str
    errors: str
    split: str
    redone: int
    flagged: int
    rps_reps: List[float] = field(default_factory=list)
    cpus_reps: List[float] = field(default_factory=list)

    def _per_request(self, cpus: List[float]) -> Optional[float]:
        """Median over the reps of CPUs ÷ req/s, in µs of CPU per request (HTTP rows: one CPU figure per rep)."""
        if self.kind != "http" or not self.rps_reps or len(cpus) != len(self.rps_reps):
            return None
        return median([c / r * 1e6 for c, r in zip(cpus, self.rps_reps) if r > 0])

    def cpu_us(self) -> Optional[float]:
        """The whole server's CPU per request, every process of it."""
        return self._per_request(self.cpus_reps)

    def split_us(self) -> Optional[tuple]:
        """For a server of several processes: (parent's µs per request, all workers' µs per request they served)."""
        reps = [rep.partition("|") for rep in self.split.split(" · ")] if self.split else []
        if not reps:
            return None
        front = self._per_request([float(root) for root, _, _ in reps])
        workers = self._per_request([sum(float(k) for k in kids.split(",") if k) for _, _, kids in reps])
        return None if front is None or workers is None else (front, workers)


@dataclass
class Run:
    meta: Dict[str, str]
    targets: List[List[str]]  # name, kind, command
    rows: List[Row]
    notes: List[str]
    workloads: List[str] = field(default_factory=list)

    def row(self, target: str, workload: str) -> Optional[Row]:
        for row in self.rows:
            if row.target == target and row.workload == workload:
                return row
        return None


def number(text: str) -> Optional[float]:
    return float(text) if text not in ("", None) else None


def numbers(text: Optional[str]) -> List[float]:
    return [float(x) for x in (text or "").split()]


def median(values: List[float]) -> Optional[float]:
    if not values:
        return None
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def load(results: str) -> Run:
    meta, targets = {}, []
    with open(os.path.join(results, "latest.meta"), encoding="utf-8") as f:
        for line in f.read().splitlines():
            parts = line.split("\t")
            if parts[0] == "target":
                targets.append(parts[1:4])
            elif len(parts) >= 2:
                meta[parts[0]] = parts[1]
    rows = []
    with open(os.path.join(results, "latest.tsv"), encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            rows.append(Row(
                r["kind"], r["workload"], r["path"], r["target"], r["status"], r["reason"],
                number(r["rps"]), number(r["rps_min"]), number(r["rps_max"]), number(r["p50_ms"]), number(r["p99_ms"]),
                r["server_cpus"], r["db_cpus"], r["foreign_cpus"], r["rss_mib"], r["errors"], r["split"],
                int(r["redone"] or 0), int(r["flagged"] or 0),
                numbers(r.get("rps_reps")), numbers(r.get("cpus_reps"))))
    with open(os.path.join(results, "latest.notes"), encoding="utf-8") as f:
        notes = [line for line in f.read().splitlines() if line.strip()]
    run = Run(meta, targets, rows, notes)
    for row in rows:
        if row.workload not in run.workloads:
            run.workloads.append(row.workload)
    return run


def ratio(run: Run, row: Row, base: str) -> str:
    other = run.row(base, row.workload)
    if row.rps is None or other is None or other.rps is None or other.rps == 0:
        return "n/a"
    return f"{row.rps / other.rps:.2f}"


def cell(row: Optional[Row], text: str, flag: bool) -> str:
    if row is None:
        return ""
    if row.status == "na":
        return "n/a"
    if row.status != "ok":
        return "failed"
    return text + (" ⚠" if flag and row.flagged and text != "n/a" else "")


def facts(run: Run) -> List[str]:
    m = run.meta
    reps = f"{m['reps']} × `wrk {m['wrk_args']}`"
    return [
        f"- Command: `{m['command']}` (commit {m['commit']}, {m['date']}; measuring took {int(m['elapsed_s']) // 60} min)",
        f"- Machine: {m['nproc']} CPUs (nproc), {m['cpu']}, {m['memory']}, {m['os']}, {m['kernel']}; wrk, the servers and "
        "PostgreSQL share these CPUs",
        f"- Method: per workload, every server started fresh on 127.0.0.1 and warmed up ({m['warmup']} s for .NET, "
        f"{m['py_warmup']} s for Python), then {reps} interleaved round by round; req/s, p50 and p99 are medians over "
        f"the reps. A rep during which other processes used more than {m['load_warn']} CPUs was run again "
        f"(up to {m['redo']} times per server and workload); ⚠ marks a number that kept such a rep",
        f"- Python {m['python']} for every server, with {m['packages']}; {m['postgres']} (a pool of "
        f"{m['db_pool']} connections per server process); .NET {m['dotnet']}; {m['wrk']}",
    ]


def summary(run: Run, base: Optional[str], title: str, value, flag: bool = True) -> List[str]:
    workloads = run.workloads
    if base is not None and base not in (t[0] for t in run.targets):
        return [title, "", f"({base} was not measured in this run.)"]
    out = [title, "", "| target | " + " | ".join(SHORT.get(w, w) for w in workloads) + " |",
           "|---|" + "---:|" * len(workloads)]
    for name, _, _ in run.targets:
        cells = [cell(run.row(name, w), value(run.row(name, w), base), flag) if run.row(name, w) else "" for w in workloads]
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    return out


def peer_note(run: Run) -> str:
    peer = run.meta["peer_baseline"]
    if peer in (t[0] for t in run.targets):
        return f"; in parentheses ÷ {peer}, 1 worker"
    return f"; {peer} was not measured in this run, so no ratio to it"


def rps_with_peer(run: Run):
    peer = run.meta["peer_baseline"]

    def value(row: Row, _base) -> str:
        if row.rps is None:
            return ""
        text = f"{row.rps:,.0f}"
        r = ratio(run, row, peer)
        return text if r == "n/a" or row.target == peer else f"{text} ({r}×)"
    return value


def plain_ratio(run: Run):
    def value(row: Row, base) -> str:
        r = ratio(run, row, base)
        return "n/a" if r == "n/a" else r
    return value


def split_text(row: Row) -> str:
    """'0.01|0.95,0.02 · ...' -> 'front 0.01, workers 0.95 + 0.02; ...'"""
    if not row.split:
        return ""
    reps = []
    for rep in row.split.split(" · "):
        root, _, kids = rep.partition("|")
        reps.append(f"{root} + [{' + '.join(kids.split(','))}]")
    return "CPUs by process (parent + [workers]), each rep: " + "; ".join(reps)


def details(run: Run) -> List[str]:
    base, peer = run.meta["baseline"], run.meta["peer_baseline"]
    out = ["| workload | target | req/s | spread (min–max) | ÷ " + base + " | ÷ " + peer
           + " | p50 ms | p99 ms | server CPUs | CPU µs/request | PostgreSQL CPUs | RSS MiB | errors | remarks |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for w in run.workloads:
        for name, _, _ in run.targets:
            row = run.row(name, w)
            if row is None:
                continue
            label = f"{w} (`{row.path}`)"
            if row.status == "na":
                out.append(f"| {label} | {name} | n/a | | | | | | | | | | | {row.reason} |")
                continue
            if row.status != "ok":
                out.append(f"| {label} | {name} | failed | | | | | | | | | | | see the notes |")
                continue
            remarks = [split_text(row)]
            if (split := row.split_us()) is not None:
                remarks.insert(0, f"CPU µs per request: front {split[0]:.1f}, workers {split[1]:.1f}")
            us = row.cpu_us()
            if row.redone:
                remarks.append(f"{row.redone} rep(s) redone for foreign load")
            if row.flagged:
                remarks.append(f"⚠ {row.flagged} rep(s) kept with foreign load (avg {row.foreign_cpus} CPUs)")
            db = row.db_cpus if row.kind == "http" and w.startswith("DB") else ""
            out.append(
                f"| {label} | {name} | {row.rps:,.0f} | {row.rps_min:,.0f}–{row.rps_max:,.0f} | {ratio(run, row, base)} | "
                f"{ratio(run, row, peer)} | {row.p50:.2f} | {row.p99:.2f} | {row.server_cpus} | {'' if us is None else f'{us:.1f}'} | {db} | {row.rss} | "
                f"{row.errors} | {'; '.join(r for r in remarks if r)} |")
    return out


def cpu_per_request(run: Run):
    def value(row: Row, _base) -> str:
        us = row.cpu_us()
        return "" if us is None else f"{us:.1f}"
    return value


PROCESSES = re.compile(r"-p(\d+)(-front|-kernel)?$")  # gateway-p2: --processes 2 (its default balance, kernel on Linux); -front: --balance front
PROJECTED_CORES = (4, 8, 16)


def processes_section(run: Run) -> List[str]:
    """
    For every multi-process gateway target: the front's and the workers' CPU per request, measured,
    and what they imply for a machine with more cores. The projection assumes the load generator
    runs elsewhere, one worker per core, and that the measured per-request costs hold: then
    req/s = cores ÷ (front µs + worker µs). It is arithmetic on this run's figures, not a measurement.
    """
    targets = [name for name, _, _ in run.targets if name.startswith("gateway") and PROCESSES.search(name)]
    if not targets:
        return []
    out = ["## `--processes`: the front's and a worker's CPU per request, and a projection", "",
           "CPU per request from /proc over the measured reps (median of the reps): the front's (it proxies every "
           "request under `--balance front`; under `--balance kernel`, the default on Linux, it only supervises, so "
           "its share is near 0) and the workers' (summed, per request they served). **The req/s for more cores are a "
           "projection**, not a measurement: cores ÷ (front µs + worker µs), as if wrk ran on other cores, one worker "
           "per core, and the per-request costs stayed as measured here. The one-process gateway's CPU per request "
           "is beside them for comparison.", "",
           "| workload | target | req/s measured | ÷ one process | front µs/req | worker µs/req | one process µs/req | "
           + " | ".join(f"projection, {c} cores" for c in PROJECTED_CORES) + " |",
           "|---|---|---:|---:|---:|---:|---:|" + "---:|" * len(PROJECTED_CORES)]
    for name in targets:
        for w in run.workloads:
            row = run.row(name, w)
            if row is None or row.status != "ok" or row.kind != "http":
                continue
            split = row.split_us()
            if split is None:
                continue
            front, worker = split
            one = run.row("gateway", w)
            one_us = one.cpu_us() if one is not None and one.status == "ok" else None
            projected = [f"{c * 1e6 / (front + worker):,.0f}" if front + worker > 0 else "" for c in PROJECTED_CORES]
            out.append(f"| {w} | {name} | {row.rps:,.0f} | {ratio(run, row, 'gateway')} | {front:.1f} | {worker:.1f} | "
                       f"{'' if one_us is None else f'{one_us:.1f}'} | " + " | ".join(projected) + " |")
    return out


def report(run: Run) -> str:
    m = run.meta
    lines = [f"# RobynGateway benchmark, {m['date']}", ""]
    if m.get("quick") == "1":
        lines += ["**Quick smoke run (--quick): too short for meaningful numbers.**", ""]
    lines += facts(run) + [""]
    lines += summary(run, None, f"## Requests per second (median){peer_note(run)}", rps_with_peer(run)) + [""]
    lines += summary(run, m["baseline"], f"## ÷ {m['baseline']} (the ceiling: Kestrel answering the same bytes, no Python)",
                     plain_ratio(run), flag=False) + [""]
    lines += summary(run, None, "## Server CPU per request, µs (every process of the server; median of the reps; "
                     "HTTP workloads)", cpu_per_request(run), flag=False) + [""]
    lines += processes_section(run) + [""]
    lines += ["## Details", "", "WebSocket rows are echoed messages per second (bench/WsLoad), not requests.", ""]
    lines += details(run) + [""]
    lines += ["## Targets", ""] + [f"- `{name}` ({kind}): `{command}`" for name, kind, command in run.targets] + [""]
    if run.notes:
        lines += ["## Notes", ""] + [f"- {note}" for note in run.notes] + [""]
    lines += ["Raw wrk output and server logs: `bench/results/raw/`"]
    return "\n".join(lines) + "\n"


def readme_block(run: Run) -> str:
    m = run.meta
    lines = [BEGIN, "", "The latest published run:", ""] + facts(run) + [
        "", "![req/s per workload and server](docs/bench.png)", ""]
    lines += summary(run, None, f"Requests per second (median{peer_note(run)}):", rps_with_peer(run)) + [""]
    lines += summary(run, m["baseline"], f"÷ {m['baseline']}:", plain_ratio(run), flag=False) + [""]
    lines += summary(run, None, "Server CPU per request, µs (all its processes):", cpu_per_request(run), flag=False) + [""]
    lines += [line.replace("## ", "", 1) for line in processes_section(run)] + [""]
    lines += ["p50/p99 latency, server CPU and memory per row, the exact command of every server, and the notes of the "
              "run: `bench/results/latest.md` after a run (see [bench/README.md](bench/README.md)).", "", END]
    return "\n".join(lines)


def publish(run: Run, results: str, root: str) -> None:
    readme = os.path.join(root, "README.md")
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    start, stop = text.find(BEGIN), text.find(END)
    if start < 0 or stop < start:
        raise SystemExit(f"error: {readme} has no {BEGIN} ... {END} block to replace")
    if run.meta.get("quick") == "1":
        raise SystemExit("error: this is a --quick run; publish a full run")
    text = text[:start] + readme_block(run) + text[stop + len(END):]
    with open(readme, "w", encoding="utf-8") as f:
        f.write(text)
    png = os.path.join(results, "latest.png")
    if not os.path.exists(png):
        raise SystemExit(f"error: {png} is missing (bench/chart.py needs python3-matplotlib)")
    os.makedirs(os.path.join(root, "docs"), exist_ok=True)
    shutil.copyfile(png, os.path.join(root, "docs", "bench.png"))
    print(f"updated {readme} and docs/bench.png")


def main(argv: List[str]) -> int:
    args = [a for a in argv[1:] if not a.startswith("--")]
    if len(args) != 1 or any(a not in ("--publish",) for a in argv[1:] if a.startswith("--")):
        print(__doc__, file=sys.stderr)
        return 2
    results = args[0]
    run = load(results)
    text = report(run)
    with open(os.path.join(results, "latest.md"), "w", encoding="utf-8") as f:
        f.write(text)
    if "--publish" in argv:
        publish(run, results, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    else:
        print(text)
        print(f"written to {os.path.join(results, 'latest.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
