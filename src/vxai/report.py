"""Assemble the results appendix from the pipeline's tables and figures with Jinja2.

The workflow passes every file as a path in one nested dict (see `render_appendix`), so
nothing here knows the layout of the results folder."""

import base64
import datetime
import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import jinja2
import pandas as pd
import yaml

from vxai.configs import merge_configs
from vxai.data import dataset_order, title
from vxai.io import atomic_path, file_sha256
from vxai.methods.registry import diagnostic_columns, ordered, spec
from vxai.statistics.agreement import METRICS, disagreement_sentence, random_beats_most
from vxai.statistics.agreement import name as metric_name
from vxai.references import bibliography, read_bibtex_text
from vxai.trust import trust_section
from vxai.why import budget_rows, course_comparison, why_these_numbers

PACKAGES = ("tensorflow", "keras", "snakemake", "numpy", "pandas", "scikit-learn", "matplotlib",
            "jinja2", "pillow", "mnist1d", "vxai")


def embed_image(path):
    """A data URI holding the PNG or JPEG, so the HTML is one self-contained file."""
    kind = "jpeg" if Path(path).suffix == ".jpg" else "png"
    return f"data:image/{kind};base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def gpu_names():
    """Names of the NVIDIA GPUs nvidia-smi reports, or an empty list."""
    try:
        run = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.strip() for line in run.stdout.splitlines() if line.strip()] if run.returncode == 0 else []


def input_checksums(manifest, info_paths):
    """SHA-256 of the HMT tile manifest (which lists every tile's pixel hash; None without
    HMT) and of each model file as recorded when it was imported or trained."""
    sums = {str(manifest): file_sha256(manifest)} if manifest else {}
    for path in info_paths:
        info = json.loads(Path(path).read_text())
        if info.get("sha256"):
            sums[info.get("source_file") or str(path)] = info["sha256"]
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


def _sanity_rows(sanity, config):
    """Per dataset and method (`sanity`: {dataset: {method: table}}): the rank correlation
    once every layer is random, and a flag."""
    rows = []
    for dataset, tables in sanity.items():
        for method in ordered(tables):
            rows.append(_sanity_row(dataset, method, tables[method], config))
    return rows


def _sanity_row(dataset, method, path, config):
    table = pd.read_csv(path)
    final = float(table["spearman_mean"].iloc[-1]) if len(table) else float("nan")
    threshold = config[dataset]["sanity"]["threshold"]
    return {"dataset": title(dataset), "method": spec(method).display, "key": method,
            "steps": len(table),
            "first": float(table["spearman_mean"].iloc[0]) if len(table) else float("nan"),
            "final": final, "flagged": bool(final > threshold), "threshold": threshold}


def benchmark_seconds(path):
    """Wall seconds of one job from its Snakemake benchmark file."""
    return float(pd.read_csv(path, sep="\t")["s"].iloc[0])


def job_costs(benchmarks):
    """(per job, per rule) rows of wall seconds and model passes, from the benchmark files
    ({job: path}) and the `passes:` line of each job's log (logs/<job>.log beside
    benchmarks/<job>.tsv); a rule is a job's folder ("hmt/explain") or the job itself."""
    from vxai import passes

    jobs = []
    for job, path in benchmarks.items():
        root = str(path)[: -len(f"benchmarks/{job}.tsv")] or "."
        forward, gradient, head = passes.read(Path(root) / "logs" / f"{job}.log") or (0, 0, 0)
        jobs.append({"job": job, "rule": job.rsplit("/", 1)[0] if job.count("/") > 1 else job,
                     "seconds": benchmark_seconds(path), "forward": forward,
                     "gradient": gradient, "head": head})
    table = pd.DataFrame(jobs, columns=["job", "rule", "seconds", "forward", "gradient", "head"])
    rules = table.groupby("rule", sort=False).agg(
        jobs=("job", "size"), seconds=("seconds", "sum"), forward=("forward", "sum"),
        gradient=("gradient", "sum"), head=("head", "sum")).reset_index()
    return jobs, rules.sort_values("seconds", ascending=False, kind="stable").to_dict("records")


def _method_rows(config, dataset, references, explain_seconds, counts):
    """Card of each configured method of a dataset, in the registry's order: family,
    parameters, what gap it filled, how it works, measured seconds per map (explain jobs'
    wall time / maps) and reference."""
    rows = []
    for method in ordered(config[dataset]["methods"]):
        params = config[dataset]["methods"][method] or {}
        found = spec(method)
        seconds = explain_seconds.get(method)
        rows.append({
            "name": method,
            "display": found.display,
            "family": found.family_title,
            "params": ", ".join(f"{k}={v}" for k, v in params.items()) or "defaults",
            "gap": found.gap,
            "how": found.how,
            "reference": references.get(found.reference or "", ""),
            "bibkey": found.reference or "",
            "seconds_per_map": seconds / counts[method] if seconds and counts.get(method)
            else float("nan"),
        })
    return rows


def _dataset_section(name, files, methods, folder, html_folder):
    """Tables and figures of one dataset (`files`: its entry of render_appendix's `files`);
    figures embedded for HTML and as paths relative to the report `folder` for LaTeX."""
    metrics = json.loads(Path(files["metrics"]).read_text())
    info = json.loads(Path(files["info"]).read_text())
    if files.get("train_benchmark") and info.get("epochs"):
        info["seconds_per_epoch"] = benchmark_seconds(files["train_benchmark"]) / info["epochs"]
    figures = {**files["evaluation_figures"], **files["figures"]}
    return {
        "name": name,
        "title": title(name),
        "metrics": metrics,
        "model": info,
        "figures": {key: embed_image(path) for key, path in figures.items()},
        "figure_paths": {key: os.path.relpath(path, folder) for key, path in figures.items()},
        "methods": methods,
        "ranked": pd.read_csv(files["ranked"]).query("kind == 'unordered'").head(5)
        .to_dict("records"),
        "confusion": pd.read_csv(files["confusion"], index_col=0),
        "tables": {os.path.basename(path): os.path.relpath(path, html_folder)
                   for path in files["tables"]},
    }


TEX_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
               "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\^{}",
               "|": r"\textbar{}", "<": r"\textless{}", ">": r"\textgreater{}"}


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


def _with_names(table):
    """A summary table in dataset order and the registry's method order, with display names
    in `dataset` and `method` and the config keys in `dataset_key` and `key`."""
    rank = {name: i for i, name in enumerate(ordered(table["method"].unique()))}
    table = table.assign(key=table["method"], dataset_key=table["dataset"]).sort_values(
        ["dataset", "method"], key=lambda column: column.map(
            dataset_order if column.name == "dataset" else rank), kind="stable")
    return table.assign(method=table["key"].map(lambda m: spec(m).display),
                        dataset=table["dataset_key"].map(title))


def metrics_agreement(ranks_path, agreement_path, config):
    """Per dataset title: each method's rank under each metric (methods in the registry's
    order, metrics by the names people read), the disagreement sentence and the metrics
    under which the random map beats most methods."""
    ranks, taus = pd.read_csv(ranks_path), pd.read_csv(agreement_path)
    found = {}
    for dataset, part in ranks.groupby("dataset", sort=False):
        names = ordered(config[dataset]["methods"])
        table = part.pivot(index="method", columns="metric", values="rank")
        table = table[[m for m in METRICS if m in table]]
        table = table.reindex(index=names).set_axis([spec(m).display for m in names], axis=0)
        found[title(dataset)] = {
            "ranks": table.set_axis([metric_name(m) for m in table.columns], axis=1),
            "sentence": disagreement_sentence(taus.query("dataset == @dataset")),
            "flagged": [metric_name(m) for m in random_beats_most(part)],
        }
    return found


def baseline_agreement(agreement_path):
    """Per dataset title: Kendall's tau between the methods' orders under Drop% with the zero
    and with the blurred baseline, and the methods it is over; datasets without both left
    out."""
    taus = pd.read_csv(agreement_path)
    pair = {"drop_pct", "drop_blur_pct"}
    found = {}
    for row in taus.itertuples():
        if {row.metric_a, row.metric_b} == pair and row.tau == row.tau:
            found[title(row.dataset)] = {"tau": float(row.tau), "n": int(row.n)}
    return found


DIAGNOSTIC_FORMATS = {"error": lambda v: f"{v:.2e}", "share": lambda v: f"{100 * v:.1f} %",
                      "count": lambda v: f"{v:.1f}", "number": lambda v: f"{v:.3f}"}


def self_checks(rows, methods):
    """The self-check columns the configured `methods` declare (name people read), a note per
    method on what each measures, and the summary `rows` that have one, with formatted
    cells (empty where a method has no such check)."""
    columns = diagnostic_columns(methods)
    notes = [f"{spec(m).display}: {what} ({title})" for m in ordered(methods)
             for title, _, what in (spec(m).diagnostics or {}).values()]
    shown = []
    for row in rows:
        values = [row.get(column) for column in columns]
        if any(v is not None and v == v for v in values):
            cells = ["" if v is None or v != v else DIAGNOSTIC_FORMATS[fmt](v)
                     for v, (_, fmt, _) in zip(values, columns.values())]
            shown.append({"dataset": row["dataset"], "method": row["method"], "key": row["key"],
                          "cells": cells})
    return {"titles": [title for title, _, _ in columns.values()], "notes": notes,
            "rows": shown}


def trust(files, datasets):
    """Per dataset title: the 'Which method can I trust on this model?' sentences and tables
    (vxai.trust) from the criterion ranks, the paired tests and the metric checks."""
    tables = {key: pd.read_csv(files[key]) for key in ("criteria", "paired", "checks")}
    found = {}
    for dataset in datasets:
        part = {key: table[table["dataset"] == dataset].drop(columns="dataset")
                for key, table in tables.items()}
        checks = part["checks"].dropna(axis=1, how="all")
        found[title(dataset)] = trust_section(part["criteria"], part["paired"], checks,
                                               has_ground_truth="ground_truth" in checks)
    return found


def appendix_context(files, config, datasets, folder, html_folder, bibtex):
    """Everything the appendix templates show, read from the pipeline's outputs."""
    faithfulness = _with_names(pd.read_csv(files["faithfulness"]))
    comparison = pd.read_csv(files["comparison"]).query("subset == 'all'")
    win_rates = {}
    for dataset, part in comparison.groupby("dataset", sort=False):
        names = ordered(config[dataset]["methods"])
        table = part.pivot(index="method_a", columns="method_b", values="a_lower")
        labels = [spec(m).display for m in names]
        win_rates[title(dataset)] = table.reindex(index=names, columns=names).set_axis(
            labels, axis=0).set_axis(labels, axis=1)
    references = read_bibtex_text(bibtex)
    agreement = metrics_agreement(files["ranks"], files["agreement"], config)
    overall = faithfulness.query("subset == 'all'")
    keyed = overall.assign(display=overall["method"], title=overall["dataset"],
                           method=overall["key"], dataset=overall["dataset_key"])
    why = why_these_numbers(keyed, {d: config[d]["keep_fraction"] for d in datasets})
    course = []
    if files.get("course"):  # a course-profile run's numbers beside these
        theirs = pd.read_csv(files["course"]["faithfulness"]).query("subset == 'all'")
        base, profile = (yaml.safe_load(Path(files["course"][key]).read_text())
                         for key in ("base_config", "config"))
        course_config = merge_configs(base, profile)
        origins = {d: tuple(json.loads(Path(info).read_text())["origin"] for info in
                            (files["datasets"][d]["info"], files["course"]["info"][d]))
                   for d in files["course"]["info"]}
        course = course_comparison(keyed, theirs, config, course_config, origins)
    timings, rule_timings = job_costs(files["benchmarks"])

    def section(dataset):
        counts = dict(overall.query("dataset_key == @dataset")[["key", "n"]].values)
        explain = {method: sum(benchmark_seconds(p) for p in paths) for method, paths in
                   files["datasets"][dataset]["explain_benchmarks"].items()}
        rows = _method_rows(config, dataset, references, explain, counts)
        found = _dataset_section(dataset, files["datasets"][dataset], rows, folder, html_folder)
        configured = {m: {**spec(m).params, **(p or {})}.get(spec(m).budget)
                      for m, p in config[dataset]["methods"].items() if spec(m).budget}
        found["budgets"] = budget_rows(pd.read_csv(files["datasets"][dataset]["convergence"]),
                                       configured)
        return found

    return {
        "title": config["report"]["title"],
        "datasets": {d: section(d) for d in datasets},
        "timings": timings,
        "rule_timings": rule_timings,
        "faithfulness": faithfulness.to_dict("records"),
        "why": why,
        "course": course,
        "win_rates": win_rates,
        "agreement": agreement,
        "baselines": baseline_agreement(files["agreement"]),
        "trust": trust(files, datasets),
        "self_checks": self_checks(
            [r for r in faithfulness.to_dict("records") if r["subset"] == "all"],
            {m for d in datasets for m in config[d]["methods"]}),
        "critical_plot": embed_image(files["critical_plot"]),
        "critical_plot_path": os.path.relpath(files["critical_plot"], folder),
        "agreement_plot": embed_image(files["agreement_plot"]),
        "agreement_plot_path": os.path.relpath(files["agreement_plot"], folder),
        "sanity": _sanity_rows({d: files["datasets"][d]["sanity"] for d in datasets}, config),
        "keep_fraction": {title(d): config[d]["keep_fraction"] for d in datasets},
        "provenance": provenance(config),
        "checksums": input_checksums(files["manifest"],
                                     [files["datasets"][d]["info"] for d in datasets]),
        "faithfulness_plot": embed_image(files["faithfulness_plot"]),
        "faithfulness_plot_path": os.path.relpath(files["faithfulness_plot"], folder),
    }


def render_appendix(files, config, datasets, html_output, tex_output, bib_output):
    """Render the HTML and LaTeX appendices and the BibTeX file beside them. `files` holds
    paths: html_template, latex_template, references (BibTeX), faithfulness, comparison,
    faithfulness_plot, ranks, agreement, agreement_plot (metric_ranks.csv,
    metric_agreement.csv and .png), paired, criteria, critical, critical_plot, checks (the
    summary's paired tests, criterion ranks, critical differences and metric checks),
    manifest, benchmarks ({job: benchmark file}) and, per dataset under datasets: metrics,
    info, ranked, confusion, tables (listed for download), evaluation_figures and figures ({name: PNG}), sanity ({method: table}),
    explain_benchmarks ({method: [files]}) and train_benchmark (or None)."""
    bibtex = bibliography(files["references"], {m for d in datasets for m in config[d]["methods"]})
    context = appendix_context(files, config, datasets, Path(tex_output).parent,
                               Path(html_output).parent, bibtex)
    outputs = {}
    for output, key, latex in ((html_output, "html_template", False),
                               (tex_output, "latex_template", True)):
        template = Path(files[key])
        outputs[output] = _environment(template.parent, latex).get_template(template.name)
    for output, template in outputs.items():
        text = template.render(**context)
        with atomic_path(output) as tmp:
            tmp.write_text(text, encoding="utf-8")
    with atomic_path(bib_output) as tmp:
        tmp.write_text(bibtex, encoding="utf-8")
