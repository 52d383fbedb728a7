import os
import shutil
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

REPO = Path(workflow.basedir).parent
TEMPLATES = REPO / "report"

# The workflow and its jobs import the library from this checkout, also inside conda
# environments (--sdm conda) and on cluster nodes, which inherit PYTHONPATH.
sys.path.insert(0, str(REPO / "src"))
os.environ.update(PYTHONPATH=str(REPO / "src"))

from vxai.catalog import BUDGET_PARAMETERS, METHOD_MODULES
from vxai.dependencies import library_files
from vxai.runtime import derive_seed


def check_method_names():
    """Name unknown methods with the known ones before the schema's terser message."""
    for dataset in ("mnist1d", "hmt"):
        unknown = sorted(
            set(config.get(dataset, {}).get("methods") or {}) - set(METHOD_MODULES)
        )
        if unknown:
            raise WorkflowError(
                f"unknown attribution method(s) {unknown} in config '{dataset}: methods'; "
                f"known methods: {', '.join(sorted(METHOD_MODULES))}"
            )


check_method_names()
validate(config, schema="../schemas/config.schema.yaml")

DATASETS = ["mnist1d", "hmt"]
HMT_ZIP = "resources/Kather_texture_2016_image_tiles_5000.zip"
HMT_FOLDER = "resources/hmt_dataset"


wildcard_constraints:
    dataset="|".join(DATASETS),
    method="[a-z_]+",
    shard=r"\d+",


def code(script, methods=()):
    """The library files that `scripts/<script>` and the modules of `methods` import,
    transitively: editing any of them reruns the rule's jobs."""
    extra = [f"vxai.methods.{METHOD_MODULES[method]}" for method in methods]
    return [str(path) for path in library_files(REPO / "scripts" / script, extra)]


def hmt_source():
    """The folder or zip the HMT tiles are read from (the download rule makes the zip)."""
    source = config["hmt"]["source"]
    if source == "auto":
        return HMT_FOLDER if Path(HMT_FOLDER).exists() else HMT_ZIP
    return HMT_ZIP if source == "zenodo" else source


def hmt_model_origin():
    """'pretrained' when the course's model file is used, else 'train'."""
    mode = config["hmt"]["model"]
    if mode == "auto":
        return "pretrained" if Path(config["hmt"]["model_file"]).exists() else "train"
    return mode


def input_size(dataset):
    """The model's image size; only HMT has one (so MNIST-1D jobs do not depend on it)."""
    return config["hmt"]["input_size"] if dataset == "hmt" else None


def trained_datasets():
    return ["mnist1d"] + (["hmt"] if hmt_model_origin() == "train" else [])


def methods(dataset):
    return list(config[dataset]["methods"])


def shards(dataset):
    return list(range(config[dataset]["explain"]["shards"]))


def job_seed(*keys):
    """A per-job seed derived from the base seed and the job's keys."""
    return derive_seed(config["seed"], *keys)


def map_shards(wildcards):
    return expand(
        "results/{dataset}/maps/{method}/shard{shard}.npz",
        dataset=wildcards.dataset,
        method=wildcards.method,
        shard=shards(wildcards.dataset),
    )


def all_map_shards(wildcards):
    return [
        path
        for method in methods(wildcards.dataset)
        for path in expand(
            "results/{dataset}/maps/{method}/shard{shard}.npz",
            dataset=wildcards.dataset,
            method=method,
            shard=shards(wildcards.dataset),
        )
    ]


def eval_figures(dataset):
    names = ["roc", "confusion", "cases"]
    if dataset in trained_datasets():
        names.insert(0, "curves")
    return expand("results/{dataset}/eval/{name}.png", dataset=dataset, name=names)


def sanity_tables():
    return [
        f"results/{dataset}/sanity/{method}.csv"
        for dataset in DATASETS
        for method in methods(dataset)
    ]


def score_tables_by_dataset():
    """{dataset: {method: its per-sample score table}}."""
    return {
        dataset: {
            method: f"results/{dataset}/scores/{method}.csv"
            for method in methods(dataset)
        }
        for dataset in DATASETS
    }


def score_tables():
    return [
        path
        for tables in score_tables_by_dataset().values()
        for path in tables.values()
    ]


def benchmark_files():
    """Benchmark files of every job the appendix reports wall times for."""
    files = ["benchmarks/data/hmt.tsv"]
    files += [
        f"benchmarks/models/{dataset}_train.tsv" for dataset in trained_datasets()
    ]
    for dataset in DATASETS:
        files.append(f"benchmarks/{dataset}/evaluate.tsv")
        for method in methods(dataset):
            files.append(f"benchmarks/{dataset}/score/{method}.tsv")
            files += [
                f"benchmarks/{dataset}/explain/{method}_shard{shard}.tsv"
                for shard in shards(dataset)
            ]
    return files


def latex_pdf():
    """The PDF appendix when report: pdf is true, or auto and a TeX installation is present."""
    setting = config["report"].get("pdf", "auto")
    tex = shutil.which("pdflatex") and shutil.which("bibtex")
    return (
        ["results/report/appendix.pdf"]
        if setting is True or (setting == "auto" and tex)
        else []
    )


def misclassified_methods(dataset):
    """{method: parameters} of the report's misclassified-sample figure configured for the dataset."""
    unknown = set(config["report"]["misclassified"]["methods"]) - set(METHOD_MODULES)
    if unknown:
        raise WorkflowError(
            f"report: misclassified: methods lists unknown method(s) {sorted(unknown)}; "
            f"choose from {sorted(METHOD_MODULES)}"
        )
    return {
        method: config[dataset]["methods"][method] or {}
        for method in config["report"]["misclassified"]["methods"]
        if method in config[dataset]["methods"]
    }


def convergence_methods(dataset):
    """{method: parameters} of the configured budget-driven methods (RISE, LIME, KernelSHAP)."""
    return {
        method: config[dataset]["methods"][method] or {}
        for method in BUDGET_PARAMETERS
        if method in config[dataset]["methods"]
    }
