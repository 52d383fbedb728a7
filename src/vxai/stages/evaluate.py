"""Evaluate stage: predictions and every evaluation table of a model on its test subset."""

from vxai import evaluation
from vxai.io import save_csv, save_json
from vxai.models.loading import batched_predictor, load_model
from vxai.stages.inputs import prepared_test_subset


def evaluate_model(data_path, model_path, test_samples, batch_size, *, predictions, metrics,
                   confusion, confusion_normalized, ranked, cases):
    """Predict the test set and write every evaluation table to the given paths."""
    model = load_model(model_path)
    x, y, ids, class_names = prepared_test_subset(data_path, model, test_samples)
    probs = batched_predictor(model, batch_size)(x)
    table = evaluation.predictions_table(ids, y, probs, class_names)
    save_csv(predictions, table)
    scores = evaluation.classification_metrics(y, probs, list(class_names))
    counts, normalized = evaluation.confusion_tables(y, probs.argmax(axis=1), list(class_names))
    pairs = evaluation.ranked_confusions(counts)
    top = pairs[pairs["kind"] == "unordered"].iloc[0]
    scores["most_confused_pair"] = {
        "classes": [top["class_a"], top["class_b"]],
        "count": int(top["count"]),
    }
    save_json(metrics, scores)
    save_csv(confusion, counts, index=True)
    save_csv(confusion_normalized, normalized, index=True, float_format="%.6f")
    save_csv(ranked, pairs)
    save_csv(cases, evaluation.showcase_cases(table))
    print(f"accuracy {scores['accuracy']:.4f} ({scores['n_correct']}/{scores['n_samples']})")
