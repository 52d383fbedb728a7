"""Benchmark every attribution method against the model's own batched speed.

    python bench/run.py [--n 64] [--methods gradcam,rise] [--models mnist1d,hmt]
    python bench/run.py --rules-only --run-dir /path/to/a/pipeline/run

Prints one row per model and method: maps per second, and a ratio against the model's
plain speed measured in the same run:
- gradient methods: time per map / time of one batched forward+backward pass per input
  (1.0 is the floor for one-pass methods such as Grad-CAM, Saliency, Gradient x Input);
- forward-pass methods: forward passes per second inside the method / plain batched
  inference rate (1.0 is the ceiling); RISE, SISE, occlusion, LIME and KernelSHAP count
  their passes as they make them.
Each method's kind and passes per map come from its class (`cost_kind`, `passes_per_map`);
every registered method is measured, including those of installed plugin packages.
Methods run with the parameters of config/config.yaml for each dataset.
Then the wall time of every job of the last pipeline run from Snakemake's benchmark files
(`benchmarks/` of --run-dir, this repository by default) and their sum per rule; these are
job times, so with several jobs at once their sum exceeds the run's wall time. Last, the
seconds each metric took in the score jobs, from their logs, and per job and rule the model
passes it issued (the `passes:` line of its log), the time those take at the plain batched
rate of the run's own models (the floor) and floor / wall: how much of a job is the work
itself rather than overhead.
"""

import argparse
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from vxai.runtime import configure_tensorflow  # noqa: E402

def configured_params(name):
    """The method parameters of config/config.yaml for this dataset: the bench measures the
    settings the default pipeline runs."""
    import yaml

    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    return {method: params or {} for method, params in config[name]["methods"].items()}


def load_models(names):
    from vxai.models.architectures import mnist1d_cnn
    from vxai.models.loading import load_model

    for name in names:
        if name == "mnist1d":
            path = REPO / "results" / "models" / "mnist1d.keras"
            yield name, load_model(path) if path.exists() else mnist1d_cnn()
        else:
            for path in (REPO / "results" / "models" / "hmt.keras",
                         REPO / "resources" / "models" / "HMT.h5",
                         REPO.parent / "shared" / "data" / "models" / "HMT.h5"):
                if path.exists():
                    yield name, load_model(path)
                    break
            else:
                print("# no HMT model found; skipping hmt", file=sys.stderr)


def best_rate(fn, n, repeats=3):
    """Items per second of the fastest of `repeats` runs of fn() over n items."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return n / min(times)


def plain_rates(model, x, batch_size):
    import keras
    import tensorflow as tf

    from vxai.models.graph import logits_tensor

    logits = keras.Model(model.input, logits_tensor(model))
    forward = tf.function(lambda b: model(b, training=False))

    @tf.function
    def forward_backward(b):
        with tf.GradientTape() as tape:
            tape.watch(b)
            score = tf.reduce_sum(tf.reduce_max(logits(b, training=False), axis=1))
        return tape.gradient(score, b)

    batches = [tf.constant(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]

    def run(fn):
        return lambda: [fn(b).numpy() for b in batches]

    return best_rate(run(forward), len(x)), best_rate(run(forward_backward), len(x))


def main():
    from vxai.methods import specs

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=64, help="inputs per model")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--models", default="mnist1d,hmt")
    parser.add_argument("--methods", default=",".join(
        name for name, found in specs().items() if found.family != "baseline"))
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--run-dir", type=Path, default=REPO,
                        help="working directory of the pipeline run whose benchmarks/ to print")
    parser.add_argument("--rules-only", action="store_true",
                        help="only print the pipeline's job times")
    args = parser.parse_args()
    if args.rules_only:
        print_rule_times(args.run_dir / "benchmarks")
        print_metric_times(args.run_dir / "logs")
        configure_tensorflow(args.threads, seed=0)
        return print_floors(args.run_dir, args.batch_size)
    configure_tensorflow(args.threads, seed=0)
    from vxai.methods import get_method
    from vxai.methods.streaming import MaskedScores
    from vxai.models.loading import batched_predictor

    rows = []
    for name, model in load_models(args.models.split(",")):
        rng = np.random.default_rng(0)
        n = args.n if name == "mnist1d" else max(8, args.n // 4)
        x = rng.uniform(size=(n, *model.input_shape[1:])).astype(np.float32)
        if x.ndim == 4:  # smooth images, so that SLIC finds superpixels as in real tiles
            from skimage.filters import gaussian

            x = np.stack([gaussian(image, sigma=6, channel_axis=-1) for image in x]).astype(np.float32)
        fwd, fwd_bwd = plain_rates(model, x, args.batch_size)
        print(f"# {name}: plain batched inference {fwd:.1f} inputs/s, "
              f"forward+backward {fwd_bwd:.1f} inputs/s", flush=True)
        targets = batched_predictor(model, args.batch_size)(x).argmax(axis=1)
        params = configured_params(name)
        for method in args.methods.split(","):
            explainer = get_method(method)(model, batch_size=args.batch_size,
                                           **params.get(method, {}))
            if explainer.fit_split:  # the bench's inputs, twice, stand in for the split
                classes = model.output_shape[-1]  # (not timed; two samples of every class)
                explainer.fit(np.concatenate([x, x]), np.arange(2 * n) % classes,
                              np.arange(2 * n))
            explainer.explain(x[:2], targets[:2])  # compile
            kind = explainer.cost_kind
            if isinstance(getattr(explainer, "scores", None), MaskedScores):
                explainer.scores.passes = 0
                maps_per_s = best_rate(lambda: explainer.explain(x, targets), n, repeats=1)
                passes = explainer.scores.passes / (2 * n)
            else:
                maps_per_s = best_rate(lambda: explainer.explain(x, targets), n, repeats=2)
                passes = explainer.passes_per_map()
            if kind == "gradient":
                ratio = fwd_bwd / maps_per_s
            elif kind == "forward":
                ratio = maps_per_s * passes / fwd
            else:  # re-runs only the layers after the target layer: no plain rate to compare
                ratio = float("nan")
            rows.append((name, method, maps_per_s, ratio, kind, passes))
            print(f"{name:8s} {method:22s} {maps_per_s:10.2f} {ratio:8.3f} {kind:9s} {passes:g}",
                  flush=True)

    print("\nmodel    method                 maps_per_s    ratio kind      passes_per_map")
    for row in rows:
        print("{:8s} {:22s} {:10.2f} {:8.3f} {:9s} {:g}".format(*row))
    print_rule_times(args.run_dir / "benchmarks")


def print_rule_times(folder):
    """Wall time of each job of the last pipeline run, from Snakemake's benchmark files in
    `folder`, then the total per dataset and rule."""
    times = {}
    for path in sorted(folder.rglob("*.tsv")):
        lines = path.read_text().splitlines()
        if len(lines) >= 2:
            times[path.relative_to(folder)] = float(lines[1].split()[0])
    if not times:
        return
    print(f"\njob benchmark ({folder})")
    for path, seconds in times.items():
        print(f"{str(path):52s} {seconds:9.1f} s")
    totals = {}
    for path, seconds in times.items():
        group = str(path.parent) if len(path.parts) > 2 else str(path.with_suffix(""))
        totals[group] = totals.get(group, 0.0) + seconds
    print("\nsum per rule                                         seconds")
    for group, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"{group:52s} {seconds:9.1f}")
    print(f"{'all jobs':52s} {sum(times.values()):9.1f}")


def job_passes(run_dir):
    """{job: (forward, gradient, head passes, wall seconds)} of the jobs whose log has the
    `passes:` line (vxai.passes) and whose benchmark file exists; a job is its log's path
    under logs/ without the suffix, which is also its benchmark's under benchmarks/."""
    from vxai import passes

    found = {}
    for log in sorted((run_dir / "logs").rglob("*.log")):
        counts = passes.read(log)
        job = log.relative_to(run_dir / "logs").with_suffix("")
        bench = run_dir / "benchmarks" / job.with_suffix(".tsv")
        if counts and bench.exists():
            wall = float(bench.read_text().splitlines()[1].split()[0])
            found[job] = (*counts, wall)
    return found


def print_floors(run_dir, batch_size):
    """Per job and per rule: the passes issued, their time at the plain batched rate of the
    run's own model on this machine (the floor: forward passes at the inference rate,
    gradient passes at the forward+backward rate; head passes are left out) and floor /
    wall."""
    from vxai.models.loading import load_model

    jobs = job_passes(run_dir)
    rates = {}
    for dataset in sorted({job.parts[0] for job in jobs}):
        path = run_dir / "results" / "models" / f"{dataset}.keras"
        if not path.exists():
            continue
        model = load_model(path)
        x = np.random.default_rng(0).uniform(
            size=(4 * batch_size, *model.input_shape[1:])).astype(np.float32)
        rates[dataset] = plain_rates(model, x, batch_size)
        print(f"# {dataset}: plain batched inference {rates[dataset][0]:.1f} inputs/s, "
              f"forward+backward {rates[dataset][1]:.1f} inputs/s (batch {batch_size})")
    rows, totals = [], {}
    for job, (forward, gradient, head, wall) in jobs.items():
        if job.parts[0] not in rates:
            continue
        fwd, fwd_bwd = rates[job.parts[0]]
        floor = forward / fwd + gradient / fwd_bwd
        rows.append((str(job), forward, gradient, head, floor, wall))
        total = totals.setdefault(str(job.parent), [0, 0, 0, 0.0, 0.0])
        for i, value in enumerate((forward, gradient, head, floor, wall)):
            total[i] += value
    header = f"{'':40s} {'forward':>10s} {'gradient':>10s} {'head':>10s} {'floor s':>9s} " \
             f"{'wall s':>9s} {'floor/wall':>10s}"
    for title, table in (("job", rows), ("sum per rule", [(k, *v) for k, v in totals.items()])):
        print(f"\n{title}{header[len(title):]}")
        for name, forward, gradient, head, floor, wall in table:
            print(f"{name:40s} {forward:10d} {gradient:10d} {head:10d} {floor:9.1f} {wall:9.1f} "
                  f"{floor / wall if wall else float('nan'):10.3f}")


TIMED = re.compile(r"^(?P<label>[^:\n]+): (?P<seconds>\d+(?:\.\d+)?) s$", re.M)


def metric_times(folder):
    """{(dataset, metric): [seconds of each score job]} from the lines `runtime.timed` writes
    to the score jobs' logs (`logs/{dataset}/score/{method}.log`)."""
    times = {}
    for path in sorted(folder.glob("*/score/*.log")):
        for match in TIMED.finditer(path.read_text(errors="replace")):
            key = (path.parent.parent.name, match["label"])
            times.setdefault(key, []).append(float(match["seconds"]))
    return times


def print_metric_times(folder):
    """The seconds each metric took, summed over the score jobs of each dataset."""
    times = metric_times(folder)
    if not times:
        return
    print(f"\nscore jobs, seconds per metric ({folder})")
    print(f"{'dataset':8s} {'metric':28s} {'jobs':>4s} {'total':>9s} {'per job':>9s}")
    for (dataset, metric), seconds in times.items():
        print(f"{dataset:8s} {metric:28s} {len(seconds):4d} {sum(seconds):9.1f} "
              f"{sum(seconds) / len(seconds):9.1f}")


if __name__ == "__main__":
    main()
