import json
import os
import shutil
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError

REPO = Path(workflow.basedir).parent
TEMPLATES = Path(os.path.relpath(REPO / "report"))  # relative to the working directory
# the appendix's figures of each dataset; the map galleries are JPEG to keep the HTML light
FIGURES = {
    "gallery": "maps_gallery.jpg",
    "misclassified": "misclassified.jpg",
    "convergence": "convergence.png",
}

# The workflow and its jobs import the library from this checkout, also inside conda
# environments (--sdm conda) and on cluster nodes, which inherit PYTHONPATH.
sys.path.insert(0, str(REPO / "src"))

from vxai.configs import model_origin as resolved_origin
from vxai.configs import BUILT_IN, resolve_config
from vxai.data import title
from vxai.dependencies import library_files
from vxai.errors import UserError
from vxai.layout import *  # the output paths, written once (vxai.layout.__all__)
from vxai.methods.registry import display, method_names, ordered, spec, specs
from vxai.metrics.registry import config_sections, metric_figures
from vxai.runtime import derive_seed, prepend_pythonpath

prepend_pythonpath(REPO / "src")


try:
    DATASETS = resolve_config(
        config,
        workflow.overwrite_configfiles,
        Path(workflow.basedir) / "schemas" / "config.schema.yaml",
        TEMPLATES / "references.bib",
    )
except UserError as error:
    raise WorkflowError(str(error)) from None

# the per-dataset config sections the score rule passes on as metric settings
SCORE_METRICS = config_sections()
HMT_ZIP = "resources/Kather_texture_2016_image_tiles_5000.zip"
HMT_FOLDER = "resources/hmt_dataset"


wildcard_constraints:
    dataset="|".join(DATASETS),
    method="[a-z_]+",
    shard=r"\d+",


def code(script, methods=()):
    """The library files that `scripts/<script>` and the modules of `methods` run (imported
    or loaded by name), as paths relative to the working directory: editing any of them
    reruns the rule's jobs."""
    extra = [spec(method).path for method in methods]
    files = library_files(REPO / "scripts" / script, extra)
    return [os.path.relpath(path) for path in files]


def hmt_source():
    """The folder or zip the HMT tiles are read from (the download rule makes the zip)."""
    source = config["hmt"]["source"]
    if source == "auto":
        return HMT_FOLDER if Path(HMT_FOLDER).exists() else HMT_ZIP
    return HMT_ZIP if source == "zenodo" else source


def model_origin(dataset):
    return resolved_origin(config[dataset])


def input_size(dataset):
    """The image side a model trained here takes (signals have none, so their jobs do not
    depend on it)."""
    return (
        config[dataset]["input_size"] if config[dataset]["kind"] == "images" else None
    )


def own_datasets(kind):
    """The selected entries of `datasets:` of `kind` (images or signals)."""
    own = config["datasets"]
    return [name for name in DATASETS if name in own and own[name]["kind"] == kind]


def trained_datasets():
    return [dataset for dataset in DATASETS if model_origin(dataset) == "train"]


def pretrained_datasets():
    return [dataset for dataset in DATASETS if model_origin(dataset) == "pretrained"]


def methods(dataset):
    """The dataset's methods, in the registry's order (by family, then name): the configured
    ones, less those its model cannot serve where `skip_unsupported` is set. Those are
    found by the supported_methods checkpoint, so call this from input functions only.
    """
    configured = ordered(config[dataset]["methods"])
    if not config[dataset]["skip_unsupported"]:
        return configured
    found = checkpoints.supported_methods.get(dataset=dataset).output[0]
    kept = set(json.loads(Path(found).read_text())["kept"])
    return [method for method in configured if method in kept]


def shards(dataset):
    return list(range(config[dataset]["explain"]["shards"]))


def explain_samples(wildcards):
    """The evenly spaced test samples a method explains (`explain: samples`); None: all."""
    subset = config[wildcards.dataset]["explain"].get("samples") or {}
    return subset.get(wildcards.method)


def dataset_param(*keys):
    """A job parameter, config[dataset][key][...] for the job's dataset wildcard."""

    def lookup(wildcards):
        value = config[wildcards.dataset]
        for key in keys:
            value = value[key]
        return value

    return lookup


def method_params(wildcards):
    """The configured parameters of the job's method on the job's dataset."""
    return config[wildcards.dataset]["methods"][wildcards.method] or {}


def job_seed(*keys):
    """A per-job seed derived from the base seed and the job's keys."""
    return derive_seed(config["seed"], *keys)


def maps_by_method(dataset):
    """{method: its map shards} of a dataset."""
    return {
        method: expand(
            MAPS,
            dataset=dataset,
            method=method,
            shard=shards(dataset),
        )
        for method in methods(dataset)
    }


def map_shards(wildcards):
    return maps_by_method(wildcards.dataset)[wildcards.method]


def all_map_shards(wildcards):
    return paths_in(maps_by_method(wildcards.dataset))


def curve_files(dataset):
    """{method: its deletion and insertion curves} of a dataset."""
    return {
        method: path(CURVES, dataset=dataset, method=method)
        for method in methods(dataset)
    }


def dataset_title(wildcards):
    """The dataset as people read it ("MNIST-1D"), for `snakemake --report`."""
    return title(wildcards.dataset)


def labels(**fixed):
    """`snakemake --report` labels: the job's dataset and method by the names people
    read, then `fixed`."""

    def named(wildcards):
        keys = dict(wildcards.items())
        shown = {"dataset": title(keys["dataset"])} if "dataset" in keys else {}
        if "method" in keys:
            shown["method"] = display(keys["method"])
        return {**shown, **fixed}

    return named


def eval_figures(dataset):
    names = ["roc", "confusion", "cases"]
    if dataset in trained_datasets():
        names.insert(0, "curves")
    return expand(path(EVALUATION, name="{name}.png"), dataset=dataset, name=names)


def score_tables_by_dataset():
    """{dataset: {method: its per-sample score table}}."""
    return {
        dataset: {
            method: path(SCORES, dataset=dataset, method=method)
            for method in methods(dataset)
        }
        for dataset in DATASETS
    }


def score_tables():
    return [
        file
        for tables in score_tables_by_dataset().values()
        for file in tables.values()
    ]


def misclassified_methods(dataset):
    """{method: parameters} of the report's misclassified-sample figure configured for the dataset."""
    unknown = set(config["report"]["misclassified"]["methods"]) - set(specs())
    if unknown:
        raise WorkflowError(
            f"report: misclassified: methods lists unknown method(s) {sorted(unknown)}; "
            f"choose from {', '.join(method_names())}"
        )
    return {
        method: config[dataset]["methods"][method] or {}
        for method in config["report"]["misclassified"]["methods"]
        if method in methods(dataset)
    }


def convergence_methods(dataset):
    """{method: parameters} of the configured methods with a budget parameter (masks,
    samples or steps), in the registry's order, without the budget itself: the
    convergence job sets it, so changing it reruns only the method's own jobs."""
    return {
        method: {
            key: value
            for key, value in (config[dataset]["methods"][method] or {}).items()
            if key != spec(method).budget
        }
        for method in methods(dataset)
        if spec(method).budget
    }
