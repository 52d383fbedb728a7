"""Every number in metrics.json against scikit-learn, computed independently here."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (accuracy_score, confusion_matrix, f1_score, precision_score,
                             recall_score, roc_auc_score)

from vxai.evaluation import (classification_metrics, confusion_tables, predictions_table,
                             ranked_confusions, showcase_cases)

NAMES = ["a", "b", "c"]


@pytest.fixture
def case():
    rng = np.random.default_rng(3)
    labels = np.repeat([0, 1, 2], 20)
    logits = rng.normal(size=(60, 3)) + 2.0 * np.eye(3)[labels]
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return labels, probs


def test_metrics_equal_scikit_learn(case):
    labels, probs = case
    pred = probs.argmax(axis=1)
    m = classification_metrics(labels, probs, NAMES)
    assert m["accuracy"] == pytest.approx(accuracy_score(labels, pred))
    cm = confusion_matrix(labels, pred)
    for c, name in enumerate(NAMES):
        assert m["classwise_accuracy"][name] == pytest.approx(cm[c, c] / cm[c].sum())
        assert m["one_vs_rest_binary_accuracy"][name] == pytest.approx(
            accuracy_score(labels == c, pred == c))
        assert m["per_class"][name]["precision"] == pytest.approx(
            precision_score(labels, pred, average=None)[c])
        assert m["per_class"][name]["f1"] == pytest.approx(f1_score(labels, pred, average=None)[c])
        assert m["roc_auc"][name] == pytest.approx(roc_auc_score(labels == c, probs[:, c]))
    for avg in ("macro", "micro", "weighted"):
        assert m["averages"][avg]["precision"] == pytest.approx(precision_score(labels, pred, average=avg))
        assert m["averages"][avg]["recall"] == pytest.approx(recall_score(labels, pred, average=avg))
        assert m["averages"][avg]["f1"] == pytest.approx(f1_score(labels, pred, average=avg))
    assert m["roc_auc_macro"] == pytest.approx(roc_auc_score(labels, probs, multi_class="ovr"))


def test_known_confusions_are_ranked():
    labels = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 2])
    pred = np.array([0, 1, 1, 0, 1, 1, 2, 2, 0, 2])
    counts, normalized = confusion_tables(labels, pred, NAMES)
    np.testing.assert_allclose(normalized.sum(axis=1), 1.0)
    ranked = ranked_confusions(counts)
    top_directed = ranked[ranked["kind"] == "directed"].iloc[0]
    top_pair = ranked[ranked["kind"] == "unordered"].iloc[0]
    assert (top_directed["class_a"], top_directed["class_b"], top_directed["count"]) == ("a", "b", 2)
    assert (top_pair["class_a"], top_pair["class_b"], top_pair["count"]) == ("a", "b", 3)


def test_showcase_picks_most_confident_cases(case):
    labels, probs = case
    table = predictions_table(np.array([f"s{i}" for i in range(60)]), labels, probs, NAMES)
    cases = showcase_cases(table)
    for row in cases.itertuples():
        same = table[(table["label"] == row.label) & (table["correct"] == (row.case == "success"))]
        assert row.confidence == same["confidence"].max()
