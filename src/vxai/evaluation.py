"""Test-set evaluation: predictions table, metrics, confusion matrices, ranked confusions."""

import numpy as np
import pandas as pd
from sklearn import metrics as skm


def predictions_table(ids, labels, probs, class_names):
    """One row per sample: id, true and predicted label (index and name), confidence, probs."""
    predicted = probs.argmax(axis=1)
    table = pd.DataFrame(
        {
            "id": ids,
            "label": labels,
            "label_name": np.asarray(class_names)[labels],
            "predicted": predicted,
            "predicted_name": np.asarray(class_names)[predicted],
            "confidence": probs.max(axis=1),
            "correct": predicted == labels,
        }
    )
    for k, name in enumerate(class_names):
        table[f"p_{name}"] = probs[:, k]
    return table


def probabilities(table, class_names):
    """The (n, classes) probability matrix stored in a predictions table."""
    return table[[f"p_{name}" for name in class_names]].to_numpy()


def classification_metrics(labels, probs, class_names):
    """Every test-set number of the evaluation, as a JSON-ready dict."""
    k = len(class_names)
    predicted = probs.argmax(axis=1)
    classes = np.arange(k)
    cm = skm.confusion_matrix(labels, predicted, labels=classes)
    support = cm.sum(axis=1)
    recall = np.divide(np.diag(cm), support, out=np.zeros(k), where=support > 0)
    ovr_accuracy = [
        float(np.mean((labels == c) == (predicted == c))) for c in classes
    ]
    prf = {}
    for average in ("macro", "micro", "weighted"):
        p, r, f, _ = skm.precision_recall_fscore_support(
            labels, predicted, labels=classes, average=average, zero_division=0
        )
        prf[average] = {"precision": p, "recall": r, "f1": f}
    p, r, f, s = skm.precision_recall_fscore_support(
        labels, predicted, labels=classes, average=None, zero_division=0
    )
    auc = {}
    for c, name in enumerate(class_names):
        positives = labels == c
        auc[name] = (
            float(skm.roc_auc_score(positives, probs[:, c]))
            if 0 < positives.sum() < len(labels)
            else None
        )
    defined = [v for v in auc.values() if v is not None]
    return {
        "n_samples": int(len(labels)),
        "accuracy": float(np.mean(predicted == labels)),
        "n_correct": int(np.sum(predicted == labels)),
        "classwise_accuracy": dict(zip(class_names, recall.tolist())),
        "one_vs_rest_binary_accuracy": dict(zip(class_names, ovr_accuracy)),
        "per_class": {
            name: {"precision": p[c], "recall": r[c], "f1": f[c], "support": int(s[c])}
            for c, name in enumerate(class_names)
        },
        "averages": prf,
        "roc_auc": auc,
        "roc_auc_macro": float(np.mean(defined)) if defined else None,
    }


def confusion_tables(labels, predicted, class_names):
    """(counts, row-normalized) confusion matrices as DataFrames, rows = true class."""
    cm = skm.confusion_matrix(labels, predicted, labels=np.arange(len(class_names)))
    counts = pd.DataFrame(cm, index=list(class_names), columns=list(class_names))
    counts.index.name = "true"
    rows = cm.sum(axis=1, keepdims=True)
    normalized = counts.copy().astype(float)
    normalized[:] = np.divide(cm, rows, out=np.zeros(cm.shape), where=rows > 0)
    return counts, normalized


def ranked_confusions(counts):
    """Off-diagonal confusions ranked by count: directed (true -> predicted) pairs and
    unordered pairs (both directions added), the largest first."""
    names = list(counts.index)
    cm = counts.to_numpy()
    rows = []
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if i != j:
                rows.append({"kind": "directed", "class_a": a, "class_b": b, "count": int(cm[i, j])})
    for i, a in enumerate(names):
        for j in range(i + 1, len(names)):
            b = names[j]
            rows.append(
                {"kind": "unordered", "class_a": a, "class_b": b, "count": int(cm[i, j] + cm[j, i])}
            )
    table = pd.DataFrame(rows)
    table["order"] = np.arange(len(table))
    table = table.sort_values(["kind", "count", "order"], ascending=[True, False, True], kind="stable")
    table["rank"] = table.groupby("kind").cumcount() + 1
    return table.drop(columns="order")[["kind", "rank", "class_a", "class_b", "count"]]


def showcase_cases(table, per_class=1):
    """Deterministic success and failure cases: per true class, the most confident correct
    and the most confident wrong predictions (ties broken by id)."""
    rows = []
    for outcome, correct in (("success", True), ("failure", False)):
        part = table[table["correct"] == correct].sort_values(
            ["label", "confidence", "id"], ascending=[True, False, True], kind="stable"
        )
        picked = part.groupby("label", sort=True).head(per_class).copy()
        picked.insert(0, "case", outcome)
        rows.append(picked)
    return pd.concat(rows, ignore_index=True)
