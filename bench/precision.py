"""bfloat16 against float32 on this CPU: speed, probabilities, Grad-CAM maps and Drop%.

    python bench/precision.py [--model hmt] [--n 128] [--data results/data/hmt.npz]

The model is cloned with Keras's `mixed_bfloat16` policy (bfloat16 compute, float32
weights and softmax). Prints the plain batched inference rate of both (measured alternately
in this process) and their ratio, the largest change of a class probability, the share of
unchanged predictions, the mean Spearman correlation of the Grad-CAM maps, and Drop% /
Increase% of those maps (each scored by its own model) at the dataset's keep fraction.
Test inputs come from `--data` when it exists, else from uniform noise.
"""

import argparse
import os
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from vxai.runtime import configure_tensorflow  # noqa: E402

KEEP = {"mnist1d": 0.30, "hmt": 0.90}


def bfloat16_clone(model):
    """The same model and weights with bfloat16 compute (float32 variables and softmax)."""
    import keras

    def clone(layer):
        config = layer.get_config()
        last = layer.name == model.layers[-1].name  # probabilities stay float32
        config["dtype"] = "float32" if last else "mixed_bfloat16"
        return layer.__class__.from_config(config)

    twin = keras.models.clone_model(model, clone_function=clone)
    twin.set_weights(model.get_weights())
    return twin


def rate(model, x, batch_size):
    """Plain batched inference rate (inputs/s) of `model` on `x`."""
    import tensorflow as tf

    from run import best_rate

    forward = tf.function(lambda b: model(b, training=False))
    batches = [tf.constant(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
    return best_rate(lambda: [forward(b).numpy() for b in batches], len(x))


def main():
    from run import load_models
    from vxai.data.inputs import load_test_set, model_inputs, subset_indices
    from vxai.metrics.faithfulness import drop_increase
    from vxai.metrics.sanity import rank_correlations
    from vxai.methods import get_method
    from vxai.models.loading import batched_predictor

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="hmt", choices=sorted(KEEP))
    parser.add_argument("--n", type=int, default=128, help="test inputs (evenly spaced)")
    parser.add_argument("--data", type=Path, help="dataset .npz (default results/data/MODEL.npz)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    configure_tensorflow(args.threads, seed=0)
    name, model = next(load_models([args.model]))
    data = args.data or REPO / "results" / "data" / f"{name}.npz"
    if data.exists():
        x, _, _, _ = load_test_set(data)
        x = model_inputs(x[subset_indices(len(x), args.n)], model.input_shape)
        source = str(data)
    else:
        x = np.random.default_rng(0).uniform(size=(args.n, *model.input_shape[1:]))
        x, source = x.astype(np.float32), "uniform noise"
    twin = bfloat16_clone(model)
    rates = {"float32": [], "bfloat16": []}
    for _ in range(2):  # alternate, so that both see the same machine load
        rates["float32"].append(rate(model, x, args.batch_size))
        rates["bfloat16"].append(rate(twin, x, args.batch_size))
    fp32, bf16 = max(rates["float32"]), max(rates["bfloat16"])
    print(f"# {name}, {len(x)} inputs from {source}, {args.threads} threads")
    print(f"plain inference: float32 {fp32:.1f} inputs/s, bfloat16 {bf16:.1f} inputs/s, "
          f"speed-up {bf16 / fp32:.2f}")

    predictors = {"float32": batched_predictor(model, args.batch_size),
                  "bfloat16": batched_predictor(twin, args.batch_size)}
    probs = {precision: predict(x) for precision, predict in predictors.items()}
    print(f"largest probability change {np.abs(probs['float32'] - probs['bfloat16']).max():.4f}; "
          f"same predicted class {np.mean(probs['float32'].argmax(1) == probs['bfloat16'].argmax(1)):.3f}")
    classes = probs["float32"].argmax(axis=1)
    maps, scores = {}, {}
    for precision, m in (("float32", model), ("bfloat16", twin)):
        maps[precision] = get_method("gradcam")(m, batch_size=args.batch_size).explain(x, classes).maps
        scores[precision] = drop_increase(predictors[precision], x, maps[precision], classes,
                                          KEEP[name], args.batch_size, seed=0)
    rho = np.nanmean(rank_correlations(maps["float32"], maps["bfloat16"], absolute=False))
    print(f"Grad-CAM maps: mean Spearman float32 vs bfloat16 {rho:.4f}")
    for precision, table in scores.items():
        print(f"Grad-CAM {precision:8s} Drop% {100 * table['drop'].mean():6.2f}  "
              f"Increase% {100 * table['increase'].mean():6.2f}")


if __name__ == "__main__":
    main()
