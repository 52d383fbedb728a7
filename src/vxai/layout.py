"""Where every output of the workflow goes, written once: each rule's output and every input
that reads it take these patterns (wildcards in braces), and `path` fills in some of them."""

__all__ = ["DATA", "MANIFEST", "DATA_BENCHMARK", "MODEL", "HISTORY", "MODEL_INFO",
           "TRAIN_BENCHMARK", "EVALUATION", "EVALUATION_BENCHMARK", "MAPS", "EXPLAIN_BENCHMARK",
           "SUPPORTED", "SCORES", "CURVES", "SANITY", "SCORE_BENCHMARK", "CONVERGENCE",
           "CONVERGENCE_BENCHMARK", "FIGURE", "SUMMARY", "REPORT", "path"]

DATA = "results/data/{dataset}.npz"
MANIFEST = "results/data/{dataset}_manifest.csv"
DATA_BENCHMARK = "benchmarks/data/{dataset}.tsv"
MODEL = "results/models/{dataset}.keras"
HISTORY = "results/models/{dataset}_history.csv"
MODEL_INFO = "results/models/{dataset}_info.json"
TRAIN_BENCHMARK = "benchmarks/models/{dataset}_train.tsv"
EVALUATION = "results/{dataset}/eval/{name}"
EVALUATION_BENCHMARK = "benchmarks/{dataset}/evaluate.tsv"
SUPPORTED = "results/{dataset}/supported_methods.json"
MAPS = "results/{dataset}/maps/{method}/shard{shard}.npz"
EXPLAIN_BENCHMARK = "benchmarks/{dataset}/explain/{method}_shard{shard}.tsv"
SCORES = "results/{dataset}/scores/{method}.csv"
CURVES = "results/{dataset}/curves/{method}.npz"
SANITY = "results/{dataset}/sanity/{method}.csv"
SCORE_BENCHMARK = "benchmarks/{dataset}/score/{method}.tsv"
CONVERGENCE = "results/{dataset}/convergence.csv"
CONVERGENCE_BENCHMARK = "benchmarks/{dataset}/budget_convergence.tsv"
FIGURE = "results/{dataset}/figures/{name}"
SUMMARY = "results/summary/{name}"
REPORT = "results/report/{name}"


def path(pattern, **values):
    """`pattern` with the wildcards named in `values` filled in and the others left as they
    are: path(SCORES, method="rise") is "results/{dataset}/scores/rise.csv"."""
    for key, value in values.items():
        pattern = pattern.replace("{" + key + "}", str(value))
    return pattern
