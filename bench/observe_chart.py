"""Draws where a request's time goes, per workload, from bench/observe.sh's run: the gateway's JSON
access log (one CLEF object per request: Elapsed, PythonMs, WaitMs in milliseconds) and the marks
saying which log lines each workload's measured run wrote. One stacked bar per workload, median
microseconds: time in Python (hooks, handler), waiting for Python (sync queue, event loop, GIL),
and the rest (Kestrel, routing, reading the request, writing the response: Elapsed minus the two).

    /usr/bin/python3 bench/observe_chart.py GATEWAY_LOG MARKS_JSONL OUT.png      # python3-matplotlib
"""

import json
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PARTS = (  # (label, colour): the gateway's blue for Python, as in bench/chart.py
    ("Python (hooks, handler)", "#1f5fa8"),
    ("waiting for Python (queue, loop, GIL)", "#d9822b"),
    ("the rest (Kestrel, routing, I/O)", "#8c8c8c"),
)


def access_lines(path):
    """The access log's lines (their index in the file, the event), other lines skipped."""
    with open(path, encoding="utf-8") as log:
        for number, line in enumerate(log):
            if '"RobynGateway.AccessLog"' not in line:
                continue
            try:
                yield number, json.loads(line)
            except ValueError:
                continue


def split(log_path, marks_path):
    """[(workload, requests, python_us, wait_us, rest_us)], medians of each part over its requests."""
    with open(marks_path, encoding="utf-8") as f:
        marks = [json.loads(line) for line in f if line.strip()]
    events = list(access_lines(log_path))
    rows = []
    for mark, following in zip(marks, marks[1:]):
        python, wait, rest = [], [], []
        for number, event in events:
            if mark["line"] <= number < following["line"] and event.get("RequestPath") == mark["observe"]:
                total_us = event["Elapsed"] * 1000
                python.append(event["PythonMs"] * 1000)
                wait.append(event["WaitMs"] * 1000)
                rest.append(max(0.0, total_us - python[-1] - wait[-1]))
        if python:
            rows.append((mark["observe"], len(python), statistics.median(python), statistics.median(wait), statistics.median(rest)))
    return rows


def main(argv) -> int:
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    rows = split(argv[1], argv[2])
    if not rows:
        print("no access log lines for the workloads", file=sys.stderr)
        return 1
    for name, count, python, wait, rest in rows:
        print(f"{name}: {count} requests, median Python {python:.0f} us, wait {wait:.0f} us, rest {rest:.0f} us")
    # Two panels, each on its own scale: the dispatch paths take tens of microseconds, a handler
    # that burns or awaits a millisecond a hundred times that.
    groups = [g for g in ([r for r in rows if sum(r[2:]) < 1000], [r for r in rows if sum(r[2:]) >= 1000]) if g]
    fig, axes = plt.subplots(len(groups), 1, figsize=(10, 0.55 * len(rows) + 1.2 * len(groups) + 0.8), squeeze=False,
                             gridspec_kw={"height_ratios": [len(g) for g in groups]})
    for ax, group in zip(axes[:, 0], groups):
        names = [f"{r[0]}\n({r[1]} requests)" for r in group]
        left = [0.0] * len(group)
        for index, (label, colour) in enumerate(PARTS):
            ax.barh(names, [r[2 + index] for r in group], left=left, color=colour, label=label)
            left = [a + r[2 + index] for a, r in zip(left, group)]
        for y, (r, end) in enumerate(zip(group, left)):
            ax.text(end, y, f"  Python {r[2]:.0f} + wait {r[3]:.0f} + rest {r[4]:.0f} us", va="center", fontsize=8)
        ax.set_xlim(0, max(left) * 1.7)
        ax.invert_yaxis()
        ax.grid(axis="x", alpha=0.3)
        ax.set_xlabel("median microseconds per request (each part's own median)")
    axes[0, 0].set_title("RobynGateway: where a request's time goes (JSON access log, wrk, 4 connections)")
    axes[-1, 0].legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(argv[3], dpi=120)
    print(f"wrote {argv[3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
