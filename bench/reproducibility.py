"""How many forward passes a sampling method needs before its maps reproduce, plain against
variance-reduced estimators.

    python bench/reproducibility.py --dataset hmt --samples 8 --budgets 100,300,1000
    python bench/reproducibility.py --dataset mnist1d --samples 200

Per method (RISE, LIME, KernelSHAP), estimator and budget: the mean Spearman correlation of
the maps of two independent seeds over the evenly spaced test samples whose maps are not
constant (with its bootstrap interval), how many maps were constant (unexplained), and the
forward passes one map costs. Then, per method and estimator, the smallest budget whose
mean reaches 0.9 ("passes to 0.9"; "-" when none of the budgets does). The estimators:
RISE's plain sum (control_variate false) against the mean-score control variate, both on
independent masks; LIME and KernelSHAP with independent against
paired (antithetic) patterns. Every other setting is the dataset's in config/config.yaml,
with `--score logit` to score the class logit instead of the probability.

Inputs: the course models (resources/models or ../shared/data/models) and the test split
(results/data/<dataset>.npz when the pipeline made it; otherwise MNIST-1D is generated and
HMT is read from resources/hmt_dataset or ../shared/data/hmt_dataset).
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from vxai.metrics.reproducibility import REPRODUCIBLE  # noqa: E402

ESTIMATORS = {  # method: {estimator: parameters}
    "rise": {"plain": {"control_variate": False, "sampling": "independent"},
             "reduced": {"control_variate": True, "sampling": "independent"}},
    "lime": {"plain": {"paired": False}, "reduced": {"paired": True}},
    "kernelshap": {"plain": {"paired": False}, "reduced": {"paired": True}},
}
MODEL_FILES = {"mnist1d": "MNIST1D.h5", "hmt": "HMT.h5"}


def first_existing(paths):
    return next((path for path in paths if path.exists()), None)


def test_split(dataset, config):
    """(raw test inputs, labels) of the dataset."""
    made = REPO / "results" / "data" / f"{dataset}.npz"
    if made.exists():
        with np.load(made) as data:
            return data["x_test"], data["y_test"]
    if dataset == "mnist1d":
        from vxai.data.mnist1d import generate

        data = generate(config["mnist1d"]["generate"])
        return data["x_test"], data["y_test"]
    from vxai.data.hmt import extract

    source = first_existing([REPO / "resources" / "hmt_dataset",
                             REPO.parent / "shared" / "data" / "hmt_dataset"])
    if source is None:
        sys.exit("no HMT tiles: run the pipeline's data rule or link resources/hmt_dataset")
    arrays, _ = extract(source)
    return arrays["x_test"], arrays["y_test"]


def agreement(first, second, seed):
    """(mean Spearman over the samples where both maps vary, its bootstrap interval, the
    number of samples where a map is constant)."""
    from vxai.statistics.summary import bootstrap_ci
    from vxai.metrics.sanity import rank_correlations

    rho = rank_correlations(first, second, absolute=False)
    finite = rho[np.isfinite(rho)]
    if not len(finite):
        return np.nan, (np.nan, np.nan), len(rho)
    return float(finite.mean()), bootstrap_ci(finite, seed=seed), int(len(rho) - len(finite))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", choices=sorted(MODEL_FILES), default="hmt")
    parser.add_argument("--samples", type=int, default=None,
                        help="evenly spaced test samples (default: 16 tiles, 200 signals)")
    parser.add_argument("--budgets", default=None,
                        help="comma-separated masks or samples (default: 100,300,1000 on "
                             "HMT; 50,100,200,500,1000 on MNIST-1D)")
    parser.add_argument("--methods", default="rise,lime,kernelshap")
    parser.add_argument("--score", choices=["probability", "logit"], default="probability")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    from vxai.data.inputs import model_inputs, subset_indices
    from vxai.methods import get_method
    from vxai.models.loading import batched_predictor, load_model
    from vxai.runtime import configure_tensorflow

    configure_tensorflow(args.threads, seed=0)
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    hmt = args.dataset == "hmt"
    samples = args.samples or (16 if hmt else 200)
    budgets = [int(b) for b in (args.budgets or ("100,300,1000" if hmt else
                                                  "50,100,200,500,1000")).split(",")]
    model_file = first_existing([REPO / "resources" / "models" / MODEL_FILES[args.dataset],
                                 REPO.parent / "shared" / "data" / "models" /
                                 MODEL_FILES[args.dataset]])
    if model_file is None:
        sys.exit(f"no {MODEL_FILES[args.dataset]} in resources/models or ../shared/data/models")
    model = load_model(model_file)
    x_raw, _ = test_split(args.dataset, config)
    picked = subset_indices(len(x_raw), samples)
    x = model_inputs(x_raw[picked], model.input_shape)
    batch_size = config[args.dataset]["batch_size"]
    probs = batched_predictor(model, batch_size)(x)
    targets = probs.argmax(axis=1)
    print(f"# {args.dataset}: {len(x)} evenly spaced test samples, model {model_file.name}, "
          f"{args.threads} threads, score {args.score}; top-class probability >= 0.9999 on "
          f"{int((probs.max(axis=1) >= 0.9999).sum())} of them")
    print("method      estimator  budget  passes/map  reproducibility [95 % CI]  "
          "unexplained  seconds")
    reached = {}
    for method in args.methods.split(","):
        settings = dict(config[args.dataset]["methods"][method] or {})
        budget_key = {"rise": "masks"}.get(method, "samples")
        for estimator, params in ESTIMATORS[method].items():
            for budget in budgets:
                start = time.perf_counter()
                explainers = [get_method(method)(model, batch_size=batch_size, seed=seed,
                                                 **{**settings, **params, budget_key: budget,
                                                    "score": args.score})
                              for seed in (args.seed, args.seed + 1)]
                maps = [e.explain(x, targets).maps for e in explainers]
                seconds = time.perf_counter() - start
                per_map = sum(e.scores.passes for e in explainers) / (2 * len(x))
                mean, (low, high), constant = agreement(*maps, args.seed)
                print(f"{method:11s} {estimator:9s} {budget:7d} {per_map:11.0f}  "
                      f"{mean:6.3f} [{low:6.3f}, {high:6.3f}]      {constant:4d}/{len(x):<4d}"
                      f"  {seconds:7.1f}", flush=True)
                if mean >= REPRODUCIBLE and (method, estimator) not in reached:
                    reached[method, estimator] = budget
    print(f"\n# passes per map to a mean Spearman of {REPRODUCIBLE} (of the budgets tried)")
    for method in args.methods.split(","):
        found = {e: reached.get((method, e), "-") for e in ESTIMATORS[method]}
        print(f"{method:11s} plain {found['plain']!s:>6s}   variance-reduced "
              f"{found['reduced']!s:>6s}")


if __name__ == "__main__":
    main()
