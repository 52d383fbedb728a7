import os
import shutil
import sys
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError
from snakemake.logging import logger
from snakemake.utils import validate

REPO = Path(workflow.basedir).parent
TEMPLATES = REPO / "report"
# the appendix's figures of each dataset; the map galleries are JPEG to keep the HTML light
FIGURES = {
    "gallery": "maps_gallery.jpg",
    "misclassified": "misclassified.jpg",
    "convergence": "convergence.png",
}

# The workflow and its jobs import the library from this checkout, also inside conda
# environments (--sdm conda) and on cluster nodes, which inherit PYTHONPATH.
sys.path.insert(0, str(REPO / "src"))

from vxai.configs import BUILT_IN, replaced_methods, resolve_dataset, set_aside
from vxai.data import title
from vxai.dependencies import library_files
from vxai.errors import UserError
from vxai.methods.registry import (
    check_parameters,
    display,
    method_names,
    ordered,
    spec,
    specs,
)
from vxai.metrics.registry import (
    config_sections,
    metric_figures,
    plugin_config_sections,
)
from vxai.references import bibliography
from vxai.runtime import derive_seed, prepend_pythonpath

prepend_pythonpath(REPO / "src")


def select_methods():
    """With `replace_methods: true`, the `methods:` section of a dataset in a --configfile
    selects the methods: it replaces the list of config.yaml instead of extending it key by
    key, as Snakemake merges config files (vxai.configs)."""
    profiles = [
        yaml.safe_load(Path(path).read_text()) or {}
        for path in workflow.overwrite_configfiles
    ]
    for dataset in BUILT_IN.values():
        selected = replaced_methods(profiles, dataset)
        if selected is not None:
            config[dataset]["methods"] = selected


def resolve_datasets():
    """Complete each entry of `datasets:` with the settings of the built-in dataset of its
    kind (vxai.configs.resolve_dataset), so the schema checks whole entries."""
    entries = config.get("datasets") or {}
    for name, entry in entries.items():
        if isinstance(entry, dict) and entry.get("kind") in BUILT_IN:
            entries[name] = resolve_dataset(config, name)


def selected_datasets():
    """The datasets this run explains (`run_datasets`, default all), in that order; their
    settings become config[name], as the built-ins' are."""
    own = config["datasets"]
    for name, entry in own.items():
        if entry["model"] == "pretrained" and not entry.get("model_file"):
            raise WorkflowError(
                f"config 'datasets: {name}': model: pretrained needs model_file, the path "
                "of your trained Keras model (or set model: train)"
            )
        config[name] = entry
    known = [*BUILT_IN.values(), *own]
    chosen = config["run_datasets"] or known
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise WorkflowError(
            f"config 'run_datasets' names unknown dataset(s) {unknown}; known: "
            f"{', '.join(known)} (add yours under 'datasets:')"
        )
    return list(dict.fromkeys(chosen))


def check_methods():
    """Every configured method must be registered, take the parameters it is given and
    have its reference in the bibliography; the messages name the config key and what it
    accepts."""
    configured = set()
    try:
        for dataset in DATASETS:
            where = dataset if dataset in BUILT_IN.values() else f"datasets: {dataset}"
            for method, params in (
                config.get(dataset, {}).get("methods") or {}
            ).items():
                check_parameters(method, params, f"config '{where}: methods: {method}'")
                configured.add(method)
            section = config.get(dataset, {})
            for key, named in (
                ("explain: samples", (section.get("explain") or {}).get("samples")),
                (
                    "convergence: method_budgets",
                    (section.get("convergence") or {}).get("method_budgets"),
                ),
            ):
                for method in sorted(set(named or {}) - set(specs())):
                    raise UserError(
                        f"config '{where}: {key}: {method}': unknown attribution "
                        f"method; known methods: {', '.join(method_names())}"
                    )
        bibliography(TEMPLATES / "references.bib", configured)
    except UserError as error:
        raise WorkflowError(str(error)) from None


def skip_unsupported():
    """With `skip_unsupported: true`, leave out, with a warning, the methods the dataset's
    model cannot serve (its explainer stops when built for the model; this loads the model
    at start-up). A model the run trains does not exist yet: then every method stays."""
    for dataset in DATASETS:
        section = config[dataset]
        if not section.get("skip_unsupported"):
            continue
        if model_origin(dataset) != "pretrained":
            logger.warning(
                f"{dataset}: skip_unsupported needs a model_file to check; the model is "
                "trained by this run, so every configured method runs"
            )
            continue
        from vxai.stages.support import unsupported_methods

        try:
            found = unsupported_methods(section["model_file"], section["methods"])
        except UserError as error:
            raise WorkflowError(str(error)) from None
        for method, reason in found.items():
            logger.warning(f"{dataset}: {method} left out (skip_unsupported): {reason}")
            del section["methods"][method]
        if not section["methods"]:
            raise WorkflowError(
                f"{dataset}: the model serves none of the configured methods; see the "
                "warnings above"
            )


select_methods()
resolve_datasets()
# the settings of metrics from other packages are theirs to check
restore_plugin_sections = set_aside(config, plugin_config_sections())
validate(config, schema="../schemas/config.schema.yaml")
restore_plugin_sections()
DATASETS = selected_datasets()
check_methods()

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
    """'pretrained' when the dataset's model file is imported, else 'train' (`auto`: the
    file when it exists)."""
    mode = config[dataset]["model"]
    if mode == "auto":
        return "pretrained" if Path(config[dataset]["model_file"]).exists() else "train"
    return mode


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


skip_unsupported()


def methods(dataset):
    """The dataset's configured methods, in the registry's order (by family, then name)."""
    return ordered(config[dataset]["methods"])


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
            "results/{dataset}/maps/{method}/shard{shard}.npz",
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
        method: f"results/{dataset}/curves/{method}.npz" for method in methods(dataset)
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
    return expand("results/{dataset}/eval/{name}.png", dataset=dataset, name=names)


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
    """{job: its benchmark file} of every job the appendix reports wall times for."""
    files = ["benchmarks/data/hmt.tsv"] if "hmt" in DATASETS else []
    files += [
        f"benchmarks/models/{dataset}_train.tsv" for dataset in trained_datasets()
    ]
    for dataset in DATASETS:
        files.append(f"benchmarks/{dataset}/evaluate.tsv")
        files.append(f"benchmarks/{dataset}/budget_convergence.tsv")
        for method in methods(dataset):
            files.append(f"benchmarks/{dataset}/score/{method}.tsv")
            files += explain_benchmarks(dataset, method)
    return {path[len("benchmarks/") : -len(".tsv")]: path for path in files}


def explain_benchmarks(dataset, method):
    return [
        f"benchmarks/{dataset}/explain/{method}_shard{shard}.tsv"
        for shard in shards(dataset)
    ]


def course_files():
    """The files of a course-profile run the appendix compares with (report: course_results),
    or None."""
    folder = config["report"].get("course_results")
    if not folder:
        return None
    return {
        "faithfulness": f"{folder}/summary/faithfulness.csv",
        "base_config": str(REPO / "config" / "config.yaml"),
        "config": str(REPO / "config" / "course.yaml"),
        "info": {
            dataset: f"{folder}/models/{dataset}_info.json"
            for dataset in DATASETS
            if dataset in BUILT_IN.values()
        },
    }


def explorer_files():
    """{dataset: the files the explorer reads} (see vxai.explorer.dataset_data)."""
    return {
        dataset: {
            "data": f"results/data/{dataset}.npz",
            "predictions": f"results/{dataset}/eval/predictions.csv",
            "maps": maps_by_method(dataset),
            "scores": score_tables_by_dataset()[dataset],
        }
        for dataset in DATASETS
    }


def explorer_datasets():
    """{dataset: the arguments of vxai.explorer.dataset_data}."""
    return {
        dataset: {
            **files,
            "keep_fraction": config[dataset]["keep_fraction"],
            "test_samples": config[dataset]["test_samples"],
        }
        for dataset, files in explorer_files().items()
    }


def appendix_files():
    """Every file the appendix reads, by what it is (see vxai.report.render_appendix)."""
    evaluation_tables = ["predictions.csv", "metrics.json", "confusion.csv"]
    evaluation_tables += [
        "confusion_normalized.csv",
        "confusions_ranked.csv",
        "cases.csv",
    ]
    return {
        "html_template": str(TEMPLATES / "appendix.html.j2"),
        "latex_template": str(TEMPLATES / "appendix.tex.j2"),
        "references": str(TEMPLATES / "references.bib"),
        "faithfulness": rules.faithfulness_summary.output.table,
        "comparison": rules.paired_tests.output.comparison,
        "faithfulness_plot": rules.faithfulness_summary.output.figure,
        "ranks": rules.metric_checks.output.ranks,
        "agreement": rules.metric_checks.output.agreement,
        "agreement_plot": rules.metric_checks.output.agreement_figure,
        "critical_plot": rules.paired_tests.output.critical_figure,
        "trust": rules.trust_section.output[0],
        "manifest": "results/data/hmt_manifest.csv" if "hmt" in DATASETS else None,
        "benchmarks": benchmark_files(),
        "course": course_files(),
        "datasets": {
            dataset: {
                "metrics": f"results/{dataset}/eval/metrics.json",
                "info": f"results/models/{dataset}_info.json",
                "ranked": f"results/{dataset}/eval/confusions_ranked.csv",
                "confusion": f"results/{dataset}/eval/confusion.csv",
                "convergence": f"results/{dataset}/convergence.csv",
                "tables": [f"results/{dataset}/eval/{f}" for f in evaluation_tables],
                "evaluation_figures": {
                    Path(path).stem: path for path in eval_figures(dataset)
                },
                "figures": {
                    key: f"results/{dataset}/figures/{name}"
                    for key, name in FIGURES.items()
                },
                "metric_figures": {
                    name: f"results/{dataset}/figures/{name}.png"
                    for name in metric_figures()
                },
                "sanity": {
                    method: f"results/{dataset}/sanity/{method}.csv"
                    for method in methods(dataset)
                },
                "explain_benchmarks": {
                    method: explain_benchmarks(dataset, method)
                    for method in methods(dataset)
                },
                "train_benchmark": (
                    f"benchmarks/models/{dataset}_train.tsv"
                    if dataset in trained_datasets()
                    else None
                ),
            }
            for dataset in DATASETS
        },
    }


def paths_in(value):
    """Every path in a nested structure of dicts and lists (None skipped)."""
    if isinstance(value, dict):
        return [path for item in value.values() for path in paths_in(item)]
    if isinstance(value, list):
        return [path for item in value for path in paths_in(item)]
    return [] if value is None else [value]


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
    unknown = set(config["report"]["misclassified"]["methods"]) - set(specs())
    if unknown:
        raise WorkflowError(
            f"report: misclassified: methods lists unknown method(s) {sorted(unknown)}; "
            f"choose from {', '.join(method_names())}"
        )
    return {
        method: config[dataset]["methods"][method] or {}
        for method in config["report"]["misclassified"]["methods"]
        if method in config[dataset]["methods"]
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
        for method in method_names()
        if method in config[dataset]["methods"] and spec(method).budget
    }
