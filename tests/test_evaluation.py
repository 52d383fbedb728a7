"""Every number in metrics.json against scikit-learn, computed independently here.
pytest.approx keeps its default (1e-6 relative): both sides evaluate float64 formulas on the
same small arrays, and no thread or kernel setting changes them."""

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


def test_evaluate_stage_on_a_tiny_model_with_known_answers(tmp_path):
    """A Dense model whose logits are the first three input values: predictions are known."""
    import json

    import keras

    from vxai.stages.evaluate import evaluate_model

    inputs = keras.Input((3, 1))
    logits = keras.layers.Dense(3, activation="softmax", use_bias=False)(keras.layers.Flatten()(inputs))
    model = keras.Model(inputs, logits)
    model.layers[-1].set_weights([4.0 * np.eye(3, dtype=np.float32)])
    model.save(tmp_path / "tiny.keras")
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, 2])
    predicted = np.array([0, 0, 1, 2, 1, 1, 0, 2, 2, 1])
    rng = np.random.default_rng(0)
    x = np.eye(3)[predicted] + rng.uniform(0, 0.3, size=(10, 3))
    np.savez(tmp_path / "data.npz", x_test=x, y_test=labels,
             ids_test=np.array([f"t{i}" for i in range(10)]), class_names=np.array(NAMES))
    out = {key: tmp_path / f"{key}.{ext}" for key, ext in [
        ("predictions", "csv"), ("metrics", "json"), ("confusion", "csv"),
        ("confusion_normalized", "csv"), ("ranked", "csv"), ("cases", "csv")]}
    evaluate_model(tmp_path / "data.npz", tmp_path / "tiny.keras", None, 4, **out)

    metrics = json.loads(out["metrics"].read_text())
    table = pd.read_csv(out["predictions"])
    np.testing.assert_array_equal(table["predicted"], predicted)
    probs = table[[f"p_{n}" for n in NAMES]].to_numpy()
    assert metrics["accuracy"] == pytest.approx(0.6) and metrics["n_correct"] == 6
    assert metrics["classwise_accuracy"] == pytest.approx({"a": 0.5, "b": 2 / 3, "c": 2 / 3})
    for c, name in enumerate(NAMES):
        per = metrics["per_class"][name]
        assert per["precision"] == pytest.approx(precision_score(labels, predicted, average=None)[c])
        assert per["recall"] == pytest.approx(recall_score(labels, predicted, average=None)[c])
        assert per["f1"] == pytest.approx(f1_score(labels, predicted, average=None)[c])
        assert per["support"] == int(np.sum(labels == c))
        assert metrics["roc_auc"][name] == pytest.approx(roc_auc_score(labels == c, probs[:, c]))
        assert metrics["one_vs_rest_binary_accuracy"][name] == pytest.approx(
            np.mean((labels == c) == (predicted == c)))
    for avg in ("macro", "micro", "weighted"):
        assert metrics["averages"][avg]["f1"] == pytest.approx(f1_score(labels, predicted, average=avg))
    assert metrics["roc_auc_macro"] == pytest.approx(
        roc_auc_score(labels, probs, multi_class="ovr", average="macro"))
    # a->b, a->c, b->a, c->b: each 1; unordered a/b = 2 is the most confused pair
    assert metrics["most_confused_pair"] == {"classes": ["a", "b"], "count": 2}
    counts = pd.read_csv(out["confusion"], index_col=0)
    np.testing.assert_array_equal(counts.to_numpy(), confusion_matrix(labels, predicted))
    normalized = pd.read_csv(out["confusion_normalized"], index_col=0).to_numpy()
    # the CSV keeps six decimals (%.6f): rounding moves a value by at most 5e-7
    np.testing.assert_allclose(normalized, confusion_matrix(labels, predicted, normalize="true"), atol=1e-6)
