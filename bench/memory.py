"""Peak memory of forward-pass methods against their budget (masks or samples).

    python bench/memory.py [--model hmt] [--budgets 100,400,1600]

Each (method, budget) runs in a fresh process that explains one input and reports its peak
resident memory (ru_maxrss); streaming the perturbed copies in fixed-size batches keeps the
peak flat as the budget grows.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def measure(model_name, method, budget):
    """Explain one input in this process; return the peak RSS in MiB."""
    sys.path.insert(0, str(REPO / "bench"))
    import numpy as np

    from run import load_models
    from vxai.methods import get_method, spec
    from vxai.runtime import configure_tensorflow

    configure_tensorflow(2, seed=0)
    _, model = next(load_models([model_name]))
    x = np.random.default_rng(0).uniform(size=(1, *model.input_shape[1:])).astype(np.float32)
    params = {spec(method).budget: budget}
    if method != "rise" and model_name == "hmt":
        params.update(segmentation="grid", segment_size=16)  # 196 segments: samples all differ
    get_method(method)(model, batch_size=32, **params).explain(x)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="hmt")
    parser.add_argument("--methods", default="rise,lime,kernelshap")
    parser.add_argument("--budgets", default="100,400,1600")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], args.child[1], int(args.child[2]))))
        return
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"), TF_CPP_MIN_LOG_LEVEL="2")
    print("model    method       budget  peak_rss_mib")
    for method in args.methods.split(","):
        for budget in args.budgets.split(","):
            run = subprocess.run([sys.executable, __file__, "--child", args.model, method, budget],
                                 capture_output=True, text=True, env=env, check=True)
            peak = json.loads(run.stdout.strip().splitlines()[-1])
            print(f"{args.model:8s} {method:12s} {int(budget):6d}  {peak:12.0f}", flush=True)


if __name__ == "__main__":
    main()
