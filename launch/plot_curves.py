"""Learning curves of spur runs, one page: `spur plot RUN_DIR [RUN_DIR...] --out curves.png`.

Reads each run's TensorBoard event files (tb/learner) with TensorBoard's own reader and
draws, against env frames, the panels below; a run that lacks a tag simply has no line in
that panel. Runs are told apart by colour and named by their directory.
"""

import argparse
import os
import sys

# (panel title, learner tag)
PANELS = [
    ("episode return (mean of last 100)", "episode/return"),
    ("success rate (last 100 episodes)", "episode/success_rate"),
    ("intrinsic reward (mean per step)", "reward/intrinsic_mean"),
    ("frames per second (10 s window)", "perf/fps_10s"),
]


def load(run):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    path = os.path.join(run, "tb", "learner")
    if not os.path.isdir(path):
        raise SystemExit("spur plot: %s has no tb/learner folder (is it a run directory of spur train?)" % run)
    acc = EventAccumulator(path, size_guidance={"scalars": 0})
    acc.Reload()
    tags = set(acc.Tags()["scalars"])
    return {tag: ([e.step for e in acc.Scalars(tag)], [e.value for e in acc.Scalars(tag)]) for _, tag in PANELS if tag in tags}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--out", default="curves.png")
    args = ap.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = [(os.path.basename(os.path.normpath(r)), load(r)) for r in args.runs]
    fig, axes = plt.subplots(2, 2, figsize=(12, 8), constrained_layout=True)
    for ax, (title, tag) in zip(axes.flat, PANELS):
        drawn = 0
        for name, data in curves:
            if tag in data and data[tag][0]:
                ax.plot(data[tag][0], data[tag][1], label=name, linewidth=1.5)
                drawn += 1
        ax.set_title(title)
        ax.set_xlabel("env frames")
        ax.grid(alpha=0.3)
        if drawn:
            ax.legend(fontsize=8)
        else:
            ax.text(0.5, 0.5, "not logged by these runs", ha="center", va="center", transform=ax.transAxes, color="gray")
    fig.suptitle("spur: " + ", ".join(name for name, _ in curves))
    fig.savefig(args.out, dpi=110)
    points = sum(len(v[0]) for _, d in curves for v in d.values())
    print("spur plot: %d runs, %d points, written to %s" % (len(curves), points, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
