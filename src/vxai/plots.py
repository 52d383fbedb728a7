"""Paper-style matplotlib figures for the evaluation and the explanation maps."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import roc_curve  # noqa: E402

from vxai.statistics.critical import nemenyi_groups  # noqa: E402

plt.rcParams.update({"font.size": 9, "axes.titlesize": 9, "figure.dpi": 100})


def training_curves(history):
    """Loss and accuracy per epoch, train and validation, side by side."""
    fig, axes = plt.subplots(1, 2, figsize=(8, 3))
    for ax, metric, label in zip(axes, ("loss", "accuracy"), ("Loss", "Accuracy")):
        ax.plot(history["epoch"], history[metric], label="train")
        if history[f"val_{metric}"].notna().any():
            ax.plot(history["epoch"], history[f"val_{metric}"], label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return fig


def roc_curves(labels, probs, class_names, auc):
    """One-vs-rest ROC curve per class with its AUC in the legend."""
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    cmap = plt.get_cmap("tab10")
    for c, name in enumerate(class_names):
        positives = labels == c
        if not 0 < positives.sum() < len(labels):
            continue
        fpr, tpr, _ = roc_curve(positives, probs[:, c])
        ax.plot(fpr, tpr, color=cmap(c % 10), lw=1.2, label=f"{name} (AUC {auc[name]:.3f})")
    ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls="--")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_aspect("equal")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def confusion_heatmap(normalized):
    """Row-normalized confusion matrix with the value in every cell."""
    names = list(normalized.index)
    values = normalized.to_numpy()
    size = 1.2 + 0.55 * len(names)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    image = ax.imshow(values, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    for i in range(len(names)):
        for j in range(len(names)):
            ax.text(j, i, f"{values[i, j]:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if values[i, j] > 0.5 else "black")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    return fig


def _is_signal(x):
    """Signals are (length,) or (length, channels); images always carry a channel axis."""
    return x.ndim <= 2


def _show_image(ax, x):
    """An RGB or grey image (values in [0, 1] or uint8)."""
    x = np.clip(x, 0, 1) if x.dtype != np.uint8 else x
    grey = x.shape[-1] == 1
    ax.imshow(x[..., 0] if grey else x, cmap="gray" if grey else None,
              vmin=0, vmax=1 if x.dtype != np.uint8 else 255)


def _show_input(ax, x, title):
    if _is_signal(x):
        ax.plot(np.reshape(x, (len(x), -1)), color="black", lw=1)  # one line per channel
        ax.set_xlim(0, len(x) - 1)
        ax.set_yticks([])
    else:
        _show_image(ax, x)
        ax.set_xticks([])
        ax.set_yticks([])
    ax.set_title(title, fontsize=7)


def cases_gallery(cases, inputs, class_names, templates=None):
    """Success and failure cases, one per column: the input with true/predicted class and
    confidence; for signals, the true class's template in a second row."""
    n = max(len(cases), 1)
    rows = 2 if templates is not None else 1
    fig, axes = plt.subplots(rows, n, figsize=(1.6 * n, 1.7 * rows), squeeze=False)
    for col, (case, x) in enumerate(zip(cases.itertuples(index=False), inputs)):
        title = (f"{case.case}\ntrue {class_names[case.label]}\n"
                 f"pred {class_names[case.predicted]} ({case.confidence:.2f})")
        _show_input(axes[0, col], x, title)
        if templates is not None:
            axes[1, col].plot(templates[case.label], color="tab:green", lw=1)
            axes[1, col].set_title(f"template {class_names[case.label]}", fontsize=7)
            axes[1, col].set_xticks([])
            axes[1, col].set_yticks([])
    fig.tight_layout()
    return fig


def maps_gallery(inputs, titles, method_maps, templates=None):
    """Rows: the inputs, then one row per method; signals show the 1-D map as a filled curve
    (with the class template in the first row), images the map overlaid as a heat map with
    one colour bar."""
    n = len(inputs)
    rows = 1 + len(method_maps)
    fig, axes = plt.subplots(rows, n, figsize=(1.7 * n, 1.5 * rows), squeeze=False)
    signal = _is_signal(inputs[0])
    for col in range(n):
        _show_input(axes[0, col], inputs[col], titles[col])
        if signal and templates is not None:
            twin = axes[0, col].twinx()
            twin.plot(np.linspace(0, len(inputs[col]) - 1, templates.shape[1]),
                      templates[col], color="tab:green", lw=1, alpha=0.7)
            twin.set_yticks([])
        for row, (method, maps) in enumerate(method_maps.items(), start=1):
            ax = axes[row, col]
            if signal:
                ax.fill_between(np.arange(maps.shape[1]), maps[col], color="tab:red", alpha=0.6)
                ax.set_xlim(0, maps.shape[1] - 1)
                ax.set_ylim(0, 1.05)
                ax.set_yticks([])
            else:
                _show_image(ax, inputs[col])
                ax.imshow(maps[col], cmap="jet", alpha=0.45, vmin=0, vmax=1)
                ax.set_yticks([])
            ax.set_xticks([])
            if col == 0:
                ax.set_ylabel(method, fontsize=8)
    if signal:
        fig.tight_layout()
        return fig
    fig.tight_layout(rect=(0, 0, 0.92, 1))
    scale = plt.cm.ScalarMappable(norm=plt.Normalize(0, 1), cmap="jet")
    fig.colorbar(scale, cax=fig.add_axes((0.935, 0.35, 0.015, 0.3)),
                 label="map value (each map scaled to [0, 1])")
    return fig


def drop_increase_bars(summary):
    """Drop% and Increase% per method (bars, 95 % intervals as error bars), one row of panels
    per dataset; `summary` holds the 'all' rows of faithfulness.csv."""
    datasets = list(dict.fromkeys(summary["dataset"]))
    fig, axes = plt.subplots(len(datasets), 2, figsize=(10, 3.2 * len(datasets)), squeeze=False)
    for row, dataset in enumerate(datasets):
        part = summary[summary["dataset"] == dataset]
        positions = np.arange(len(part))
        for col, (metric, colour) in enumerate((("drop", "tab:red"), ("increase", "tab:blue"))):
            ax = axes[row, col]
            value = part[f"{metric}_pct"].to_numpy()
            error = np.stack([value - part[f"{metric}_pct_lo"], part[f"{metric}_pct_hi"] - value])
            ax.bar(positions, value, yerr=error, color=colour, alpha=0.75, capsize=2)
            ax.set_xticks(positions, part["method"], rotation=60, ha="right", fontsize=7)
            better = "lower" if metric == "drop" else "higher"
            ax.set_title(f"{dataset}: {metric.capitalize()}% ({better} is better)", fontsize=9)
            ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def metric_agreement(taus):
    """Kendall's tau between every pair of metrics over the methods, one heatmap per dataset;
    `taus`: {dataset title: (metric names, square tau array)}."""
    fig, axes = plt.subplots(1, len(taus), figsize=(5.6 * len(taus), 5.0), squeeze=False,
                             layout="constrained")
    for ax, (title, (names, tau)) in zip(axes[0], taus.items()):
        image = ax.imshow(tau, cmap="RdBu", vmin=-1, vmax=1)
        ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(len(names)), names, fontsize=7)
        for (i, j), value in np.ndenumerate(tau):
            if i != j and value == value:
                ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=6)
        ax.set_title(f"{title}: Kendall's tau over the methods", fontsize=9)
    fig.colorbar(image, ax=list(axes[0]), shrink=0.8)
    return fig


def budget_convergence(table, threshold):
    """Per method against its budget (masks, samples or steps): Drop% with its 95 % interval,
    and the rank correlation of the maps of two seeds with the `threshold` a map must reach;
    the budget the rule chose (column `chosen`) is ringed."""
    fig, (drop, reproducibility) = plt.subplots(1, 2, figsize=(8.5, 3.2))
    for method, rows in table.groupby("method", sort=False):
        line, = drop.plot(rows["budget"], rows["drop_pct"], marker="o", label=method)
        drop.fill_between(rows["budget"], rows["drop_pct_lo"], rows["drop_pct_hi"], alpha=0.2,
                          color=line.get_color())
        reproducibility.plot(rows["budget"], rows["reproducibility"], marker="o",
                             color=line.get_color())
        chosen = rows[rows["chosen"]]
        for ax, column in ((drop, "drop_pct"), (reproducibility, "reproducibility")):
            ax.scatter(chosen["budget"], chosen[column], s=140, facecolors="none",
                       edgecolors=line.get_color(), linewidths=1.5)
    drop.set_ylabel("Drop% (lower is better)")
    reproducibility.set_ylabel("Spearman between two seeds")
    reproducibility.set_ylim(top=1.02)
    reproducibility.axhline(0, color="0.5", lw=0.8)
    reproducibility.axhline(threshold, color="0.3", lw=0.8, ls="--")
    budgets = sorted(table["budget"].unique())
    for ax in (drop, reproducibility):
        ax.set_xscale("log")
        ax.set_xticks(budgets, [str(b) for b in budgets])
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel("budget: masks, samples or steps")
        ax.grid(alpha=0.3)
    drop.legend(fontsize=8)
    fig.tight_layout()
    return fig


def message_figure(text):
    """A small figure holding only a message (for a panel with nothing to draw)."""
    fig, ax = plt.subplots(figsize=(4, 1))
    ax.text(0.5, 0.5, text, ha="center", va="center")
    ax.axis("off")
    return fig


def deletion_insertion_curves(curves):
    """Mean deletion and insertion curves per method: {method: (fractions, deletion,
    insertion)} with per-sample curves (n, points); the legend gives the mean areas."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
    cmap = plt.get_cmap("tab20")
    for k, (method, (fractions, deletion, insertion)) in enumerate(curves.items()):
        for ax, values in zip(axes, (deletion, insertion)):
            auc = np.trapezoid(values, fractions, axis=1).mean()
            ax.plot(fractions, values.mean(axis=0), color=cmap(k % 20), lw=1.2,
                    label=f"{method} ({auc:.3f})")
    for ax, title in zip(axes, ("deletion (lower is better)", "insertion (higher is better)")):
        ax.set_title(title)
        ax.set_xlabel("fraction of features removed / inserted")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6, title="method (mean area)", title_fontsize=6)
    axes[0].set_ylabel("probability of the predicted class")
    fig.tight_layout()
    return fig


def critical_difference(panels):
    """Critical-difference diagrams (Demsar 2006): per panel, the methods' mean ranks over
    samples on an axis (1 = best, at the left), a bar joining each maximal group of methods
    whose mean ranks differ by less than Nemenyi's critical difference (none where the
    Friedman test does not reject), and the CD drawn to scale. `panels`: {title: (names, mean ranks, cd, samples, Friedman p)}, laid out in rows
    of up to three."""
    columns = min(3, len(panels)) or 1
    rows = -(-len(panels) // columns) or 1
    height = max(2.6, 0.2 * max((len(p[0]) for p in panels.values()), default=1) + 1.2)
    fig, axes = plt.subplots(rows, columns, figsize=(5.2 * columns, height * rows),
                             squeeze=False, layout="constrained")
    for ax in axes.flat[len(panels):]:
        ax.axis("off")
    for ax, (title, (names, ranks, cd, samples, p)) in zip(axes.flat, panels.items()):
        order = np.argsort(ranks, kind="stable")
        names, ranks = [names[i] for i in order], np.asarray(ranks)[order]
        k = len(names)
        ax.set_xlim(0.5, k + 0.5)
        ax.set_ylim(-1.5 - 0.35 * k, 1.2)
        ax.axhline(0, color="black", linewidth=1)
        for tick in range(1, k + 1):
            ax.plot([tick, tick], [0, 0.12], color="black", linewidth=0.8)
            ax.text(tick, 0.2, str(tick), ha="center", va="bottom", fontsize=6)
        for i, (label, rank) in enumerate(zip(names, ranks)):
            y = -0.35 * (i + 1) - 0.4
            ax.plot([rank, rank], [0, y], color="0.4", linewidth=0.7)
            left = rank <= (k + 1) / 2
            ax.plot([rank, 0.6 if left else k + 0.4], [y, y], color="0.4", linewidth=0.7)
            ax.text(0.55 if left else k + 0.45, y, f"{label} ({rank:.1f})", fontsize=6,
                    ha="right" if not left else "left", va="bottom")
        for n, group in enumerate(nemenyi_groups(names, ranks, cd, p)):
            low, high = ranks[names.index(group[0])], ranks[names.index(group[-1])]
            ax.plot([low - 0.05, high + 0.05], [-0.15 - 0.1 * n] * 2, color="tab:red",
                    linewidth=2.5, solid_capstyle="round")
        ax.plot([1, 1 + cd], [0.85, 0.85], color="black", linewidth=1.2)
        ax.text(1 + cd / 2, 0.95, f"CD = {cd:.2f}", ha="center", va="bottom", fontsize=6)
        ax.set_title(f"{title} (n = {samples}, Friedman p = {p:.2g})", fontsize=8)
        ax.axis("off")
    return fig
