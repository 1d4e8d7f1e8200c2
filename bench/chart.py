"""Draws RESULTS/latest.png from a bench/run.sh run: one panel per workload, one bar per server
(req/s, median of the reps, with the min–max spread), n/a where a server has no equivalent.

    /usr/bin/python3 bench/chart.py bench/results      # needs python3-matplotlib
"""

import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.patches  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import SHORT, load  # noqa: E402

COLORS = (  # by family: the gateway, the ceiling, uvicorn (ASGI), gunicorn (WSGI)
    ("gateway", "#1f5fa8"),
    ("bare-kestrel", "#8c8c8c"),
    ("uvicorn", "#3a9a4a"),
    ("gunicorn", "#d9822b"),
)


def color(target: str) -> str:
    for prefix, value in COLORS:
        if target.startswith(prefix):
            return value
    return "#555555"


def main(argv) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    results = argv[1]
    run = load(results)
    names = [t[0] for t in run.targets]
    workloads = run.workloads
    cols = min(3, len(workloads))
    rows = (len(workloads) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 0.34 * len(names) * rows + 1.2 * rows + 1.4), squeeze=False)
    for index, workload in enumerate(workloads):
        ax = axes[index // cols][index % cols]
        ys = list(range(len(names)))[::-1]
        top = max((r.rps_max or 0) for r in run.rows if r.workload == workload) or 1
        for y, name in zip(ys, names):
            row = run.row(name, workload)
            if row is None or row.status != "ok":
                ax.text(top * 0.01, y, "n/a" if row is not None and row.status == "na" else "failed",
                        va="center", fontsize=8, color="#777777")
                continue
            ax.barh(y, row.rps, color=color(name), hatch="//" if row.flagged else None, edgecolor="white")
            ax.errorbar(row.rps, y, xerr=[[row.rps - row.rps_min], [row.rps_max - row.rps]], fmt="none",
                        ecolor="#222222", elinewidth=0.8, capsize=2)
            ax.text(row.rps_max + top * 0.02, y, f"{row.rps:,.0f}", va="center", fontsize=8)
        ax.set_yticks(ys)
        ax.set_yticklabels(names, fontsize=8)
        ax.set_xlim(0, top * 1.3)
        ax.tick_params(axis="x", labelsize=7)
        unit = "echoed msg/s" if run.row(names[0], workload) and run.row(names[0], workload).kind == "ws" else "req/s"
        ax.set_title(f"{SHORT.get(workload, workload)}  ({unit})", fontsize=10)
        ax.grid(axis="x", color="#e5e5e5")
        ax.set_axisbelow(True)
    if any(r.flagged for r in run.rows):
        axes[0][0].legend(handles=[matplotlib.patches.Patch(facecolor="#aaaaaa", hatch="//", edgecolor="white",
                                                            label="kept a rep with foreign load")],
                          fontsize=7, loc="lower right")
    for index in range(len(workloads), rows * cols):
        axes[index // cols][index % cols].axis("off")
    m = run.meta
    fig.suptitle(f"RobynGateway vs bare Kestrel and Python servers: median of {m['reps']} × {m['duration']} s, "
                 f"wrk -c{m['connections']}, {m['nproc']} CPUs shared by wrk and server (higher is better)", fontsize=11)
    fig.text(0.01, 0.005, f"{m['command']}  ·  commit {m['commit']}  ·  {m['date']}  ·  {m['cpu']}  ·  Python {m['python'].split()[0]}"
             + ("  ·  QUICK SMOKE RUN: not meaningful" if m.get("quick") == "1" else ""), fontsize=7, color="#555555")
    fig.tight_layout(rect=(0, 0.02, 1, 0.96))
    out = os.path.join(results, "latest.png")
    fig.savefig(out, dpi=110)
    print(f"chart written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
