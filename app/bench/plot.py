"""The benchmark's plot: answer latency by kind (with the retrieval baseline), and by store size (with memory)."""

from __future__ import annotations

from pathlib import Path

KINDS = ("figure", "derived", "narrative", "abstain")


def plot(results: dict, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6))

    # -- latency by kind --------------------------------------------------------------------
    answer = results.get("answer", {})
    names, p50, p95 = [], [], []
    for kind in KINDS:
        s = answer.get(kind) or {}
        if s.get("n"):
            names.append(f"{kind}\n(n={s['n']})")
            p50.append(s["p50_ms"])
            p95.append(s["p95_ms"])
    base = results.get("baseline") or {}
    if base.get("p50_ms") is not None:
        names.append(f"baseline\n(top-4, n={base.get('n', 0)})")
        p50.append(base["p50_ms"])
        p95.append(base["p95_ms"])
    xs = range(len(names))
    left.bar([x - 0.2 for x in xs], p50, width=0.4, label="p50", color="#2563eb")
    left.bar([x + 0.2 for x in xs], p95, width=0.4, label="p95", color="#93c5fd")
    for x, v in zip(xs, p50):
        left.text(x - 0.2, v, f"{v:.0f}", ha="center", va="bottom", fontsize=8)
    left.set_xticks(list(xs), names, fontsize=8)
    left.set_ylabel("ms per answer (in-process, after warm-up)")
    left.set_title("Answer latency by kind")
    left.legend()

    # -- latency and memory by store size -------------------------------------------------
    scale = [s for s in results.get("scale", []) if s.get("filings")]
    if scale:
        sizes = [s["filings"] for s in scale]
        for key, label, color in (("figure_p50_ms", "figure p50", "#2563eb"), ("narrative_p50_ms", "narrative p50", "#16a34a"), ("baseline_p50_ms", "baseline p50", "#9ca3af"), ("figure_engine_p50_ms", "figure p50 without the query embedding", "#7c3aed")):
            ys = [s.get(key) for s in scale]
            if any(y is not None for y in ys):
                right.plot(sizes, ys, marker="o", label=label, color=color)
        right.set_xlabel("filings in the store")
        right.set_ylabel("ms per answer")
        right.set_ylim(bottom=0)
        mem = right.twinx()
        mem.plot(sizes, [s.get("rss_mb") for s in scale], linestyle="--", marker=".", color="#dc2626", label="process RSS (MB)")
        mem.set_ylabel("RSS MB", color="#dc2626")
        mem.set_ylim(bottom=0)
        lines = right.get_legend_handles_labels()
        more = mem.get_legend_handles_labels()
        right.legend(lines[0] + more[0], lines[1] + more[1], fontsize=7, loc="center", bbox_to_anchor=(0.5, 0.36), framealpha=0.9)
    right.set_title("Latency and memory as the store grows")

    m = results.get("machine", {})
    fig.suptitle(f"FilingQA bench — {m.get('cores')} cores, Python {m.get('python')}, {m.get('cpu') or ''}", fontsize=9)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
