"""Assemble the results appendix from the pipeline's tables and figures with Jinja2."""

import base64
import datetime
import json
import os
import platform
import re
import subprocess
from importlib import metadata
from pathlib import Path

import jinja2
import pandas as pd
import yaml

from vxai.catalog import FAMILY_TITLES, METHOD_FAMILIES
from vxai.io import atomic_path, dataset_and_method, file_sha256

PACKAGES = ("tensorflow", "keras", "snakemake", "numpy", "pandas", "scikit-learn", "matplotlib",
            "jinja2", "pillow", "mnist1d", "vxai")


def embed_png(path):
    """A data URI holding the PNG, so the HTML is one self-contained file."""
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def gpu_names():
    """Names of the NVIDIA GPUs nvidia-smi reports, or an empty list."""
    try:
        run = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.strip() for line in run.stdout.splitlines() if line.strip()] if run.returncode == 0 else []


def input_checksums(inputs):
    """SHA-256 of the tile manifest (which lists every tile's pixel hash) and of each model
    file as recorded when it was imported or trained."""
    sums = {"results/data/hmt_manifest.csv": file_sha256(inputs.manifest)}
    for path in inputs.info:
        info = json.loads(Path(path).read_text())
        if info.get("sha256"):
            sums[info.get("source_file") or path] = info["sha256"]
    return sums


def provenance(config):
    """Config as run, package versions, git commit, machine and date."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
            cwd=Path(__file__).parent,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown (not a git checkout)"
    return {
        "config_yaml": yaml.safe_dump(config, sort_keys=False),
        "versions": versions,
        "commit": commit,
        "machine": f"{platform.machine()}, {platform.processor() or 'unknown CPU'}, "
                   f"{os.cpu_count()} CPUs, {platform.system()} {platform.release()}",
        "gpus": gpu_names(),
        "seed": config.get("seed"),
        "python": platform.python_version(),
        "date": datetime.date.today().isoformat(),
    }


def _sanity_rows(paths, config):
    """Per dataset and method: the rank correlation once every layer is random, and a flag."""
    rows = []
    for path in paths:
        dataset, method = dataset_and_method(path)
        table = pd.read_csv(path)
        final = float(table["spearman_mean"].iloc[-1]) if len(table) else float("nan")
        threshold = config[dataset]["sanity"]["threshold"]
        rows.append({"dataset": dataset, "method": method, "steps": len(table),
                     "first": float(table["spearman_mean"].iloc[0]) if len(table) else float("nan"),
                     "final": final, "flagged": bool(final > threshold), "threshold": threshold})
    return rows


def read_bibtex(path):
    """{key: "Authors (year). Title. Venue."} from a BibTeX file of simple entries."""
    entries = {}
    for key, body in re.findall(r"@\w+\{([^,]+),(.*?)\n\}", Path(path).read_text(), re.S):
        fields = {k.lower(): re.sub(r"[{}]", "", v).strip()
                  for k, v in re.findall(r"(\w+)\s*=\s*\{(.*?)\},?\s*$", body, re.M)}
        authors = fields.get("author", "").split(" and ")
        names = authors[0].split(",")[0] + (" et al." if len(authors) > 1 else "")
        venue = fields.get("booktitle") or fields.get("journal", "")
        entries[key.strip()] = f"{names} ({fields.get('year', '')}). {fields.get('title', '')}. {venue}."
    return entries


def benchmark_seconds(paths):
    """{benchmark path relative to benchmarks/: wall seconds} from Snakemake benchmark files."""
    seconds = {}
    for path in paths:
        table = pd.read_csv(path, sep="\t")
        seconds[str(Path(path)).split("benchmarks/", 1)[-1]] = float(table["s"].iloc[0])
    return seconds


def _method_rows(config, dataset, cards, references, timings, counts):
    """Card of each configured method of a dataset: family, parameters, what gap it filled,
    how it works, measured seconds per map (explain jobs' wall time / maps) and reference."""
    rows = []
    for method, params in config[dataset]["methods"].items():
        params = params or {}
        card = cards.get(method, {})
        seconds = sum(v for k, v in timings.items() if k.startswith(f"{dataset}/explain/{method}_shard"))
        rows.append({
            "name": method,
            "family": FAMILY_TITLES[METHOD_FAMILIES[method]],
            "params": ", ".join(f"{k}={v}" for k, v in params.items()) or "defaults",
            "gap": card.get("gap", ""),
            "how": card.get("how", ""),
            "reference": references.get(card.get("reference") or "", ""),
            "bibkey": card.get("reference") or "",
            "seconds_per_map": seconds / counts[method] if counts.get(method) else float("nan"),
        })
    return rows


def _dataset_section(name, inputs, methods, folder):
    """Tables and figures of one dataset; figures embedded for HTML and as paths relative to
    the report `folder` for LaTeX."""
    def pick(paths):
        return next(p for p in paths if f"/{name}/" in p or f"/{name}_" in p)

    with open(pick(inputs.metrics)) as fh:
        metrics = json.load(fh)
    with open(pick(inputs.info)) as fh:
        info = json.load(fh)
    timing = [p for p in inputs.train_benchmarks if f"/{name}_train" in p]
    if timing and info.get("epochs"):
        seconds = float(pd.read_csv(timing[0], sep="\t")["s"].iloc[0])
        info["seconds_per_epoch"] = seconds / info["epochs"]
    figure_paths = {Path(p).stem: p for p in inputs.eval_figures if f"/{name}/" in p}

    def relative(path):
        return os.path.relpath(path, folder)

    return {
        "name": name,
        "metrics": metrics,
        "model": info,
        "figures": {key: embed_png(path) for key, path in figure_paths.items()},
        "figure_paths": {key: relative(path) for key, path in figure_paths.items()},
        "gallery": embed_png(pick(inputs.galleries)),
        "gallery_path": relative(pick(inputs.galleries)),
        "curves": embed_png(pick(inputs.curves)),
        "curves_path": relative(pick(inputs.curves)),
        "convergence": embed_png(pick(inputs.convergence)),
        "convergence_path": relative(pick(inputs.convergence)),
        "misclassified": embed_png(pick(inputs.misclassified)),
        "misclassified_path": relative(pick(inputs.misclassified)),
        "methods": methods,
        "ranked": pd.read_csv(pick(inputs.ranked)).query("kind == 'unordered'").head(5)
        .to_dict("records"),
        "confusion": pd.read_csv(pick(inputs.confusion), index_col=0),
        "files": [f"results/{name}/eval/{f}" for f in (
            "predictions.csv", "metrics.json", "confusion.csv", "confusion_normalized.csv",
            "confusions_ranked.csv", "cases.csv")],
    }


TEX_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
               "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\^{}"}


def tex_escape(value):
    """Text safe to put in LaTeX."""
    return "".join(TEX_ESCAPES.get(char, char) for char in str(value))


def number(value, fmt="%.3f"):
    """A formatted number, or -- where it is missing (None or NaN)."""
    if value is None or value != value:
        return "--"
    return fmt % value


def _environment(folder, latex=False):
    """Jinja2 for the HTML template, or for LaTeX with \\VAR{...} and \\BLOCK{...} delimiters."""
    options = dict(loader=jinja2.FileSystemLoader(folder), undefined=jinja2.StrictUndefined)
    if latex:
        options.update(block_start_string=r"\BLOCK{", block_end_string="}",
                       variable_start_string=r"\VAR{", variable_end_string="}",
                       comment_start_string=r"\#{", comment_end_string="}",
                       trim_blocks=True, autoescape=False)
    else:
        options["autoescape"] = jinja2.select_autoescape(["html", "j2"])
    env = jinja2.Environment(**options)
    env.filters.update(tex=tex_escape, num=number)
    return env


def appendix_context(inputs, config, datasets, folder):
    """Everything the appendix templates show, read from the pipeline's outputs."""
    faithfulness = pd.read_csv(inputs.faithfulness)
    comparison = pd.read_csv(inputs.comparison).query("subset == 'all'")
    win_rates = {
        dataset: part.pivot(index="method_a", columns="method_b", values="a_lower")
        .reindex(index=config[dataset]["methods"], columns=config[dataset]["methods"])
        for dataset, part in comparison.groupby("dataset")
    }
    cards = yaml.safe_load(Path(inputs.cards).read_text())
    references = read_bibtex(inputs.references)
    timings = benchmark_seconds(inputs.benchmarks)
    overall = faithfulness.query("subset == 'all'")

    def rows(dataset):
        counts = dict(overall.query("dataset == @dataset")[["method", "n"]].values)
        return _method_rows(config, dataset, cards, references, timings, counts)

    return {
        "title": config["report"]["title"],
        "datasets": [_dataset_section(d, inputs, rows(d), folder) for d in datasets],
        "timings": timings,
        "faithfulness": faithfulness.to_dict("records"),
        "win_rates": win_rates,
        "sanity": _sanity_rows(inputs.sanity, config),
        "keep_fraction": {d: config[d]["keep_fraction"] for d in datasets},
        "provenance": provenance(config),
        "checksums": input_checksums(inputs),
        "faithfulness_plot": embed_png(inputs.faithfulness_plot),
        "faithfulness_plot_path": os.path.relpath(inputs.faithfulness_plot, folder),
    }


def render_appendix(inputs, config, datasets, html_output, tex_output, bib_output):
    """Render the HTML and LaTeX appendices; the BibTeX file is copied next to the LaTeX."""
    context = appendix_context(inputs, config, datasets, Path(tex_output).parent)
    folder = Path(inputs.template).parent
    outputs = {html_output: _environment(folder).get_template(Path(inputs.template).name),
               tex_output: _environment(folder, latex=True).get_template(Path(inputs.latex).name)}
    for output, template in outputs.items():
        text = template.render(**context)
        with atomic_path(output) as tmp:
            tmp.write_text(text, encoding="utf-8")
    with atomic_path(bib_output) as tmp:
        tmp.write_text(Path(inputs.references).read_text(), encoding="utf-8")
