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

from vxai import passes
from vxai.configs import merge_configs
from vxai.data import dataset_order, title
from vxai.io import atomic_path, file_sha256
from vxai.methods.registry import diagnostic_columns, ordered, spec
from vxai.metrics.registry import metric_specs, summary_columns
from vxai.metrics.reproducibility import REPRODUCIBLE
from vxai.references import bibliography, read_bibtex_text
from vxai.statistics.agreement import disagreement_sentence, random_beats_most
from vxai.statistics.agreement import name as metric_name
from vxai.statistics.comparison import ALPHA
from vxai.tables import digits_of, from_frame, interval, metric_sections, number, row, table
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


def sanity_table(sanity, config):
    """Per dataset and method (`sanity`: {dataset: {method: table}}): the rank correlation
    once the top layer and once every layer is random, and a flag above the threshold."""
    rows = []
    for dataset, tables in sanity.items():
        threshold = config[dataset]["sanity"]["threshold"]
        for method in ordered(tables):
            found = pd.read_csv(tables[method])["spearman_mean"]
            first, final = (float(found.iloc[0]), float(found.iloc[-1])) if len(found) else (
                float("nan"), float("nan"))
            flag = f"maps barely change (> {threshold:g})" if final > threshold else "passes"
            rows.append(row([title(dataset), spec(method).display, number(first),
                             number(final), flag], method))
    return table("sanity", ["dataset", "method", "top layer random", "all layers random",
                            "flag"], rows)


def benchmark_seconds(path):
    """Wall seconds of one job from its Snakemake benchmark file."""
    return float(pd.read_csv(path, sep="\t")["s"].iloc[0])


def job_costs(benchmarks):
    """(per job, per rule) rows of wall seconds and model passes, from the benchmark files
    ({job: path}) and the `passes:` line of each job's log (logs/<job>.log beside
    benchmarks/<job>.tsv); a rule is a job's folder ("hmt/explain") or the job itself."""
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
        "metric_figures": {key: embed_image(path) for key, path in files["metric_figures"].items()},
        "metric_figure_paths": {key: os.path.relpath(path, folder)
                                for key, path in files["metric_figures"].items()},
        "methods": methods,
        "per_class": per_class_table(metrics),
        "ranked": ranked_table(pd.read_csv(files["ranked"])),
        "confusion": from_frame(pd.read_csv(files["confusion"], index_col=0), "confusion",
                                digits=None),
        "tables": {os.path.basename(path): os.path.relpath(path, html_folder)
                   for path in files["tables"]},
    }


def per_class_table(metrics):
    """Class-wise accuracy, one-vs-rest accuracy, precision, recall, F1, ROC AUC and support
    per class, then the averages of precision, recall and F1."""
    rows = [row([name, number(metrics["classwise_accuracy"][name]),
                 number(metrics["one_vs_rest_binary_accuracy"][name]),
                 *(number(found[k]) for k in ("precision", "recall", "f1")),
                 number(metrics["roc_auc"][name]), found["support"]])
            for name, found in metrics["per_class"].items()]
    rows += [row([f"{average} average", "", "",
                  *(number(found[k]) for k in ("precision", "recall", "f1")), "", ""])
             for average, found in metrics["averages"].items()]
    return table("per-class", ["class", "class-wise accuracy (recall)",
                               "one-vs-rest binary accuracy", "precision", "recall", "F1",
                               "ROC AUC", "support"], rows)


def ranked_table(ranked):
    """The five most frequent confusions between two classes, both directions together."""
    top = ranked.query("kind == 'unordered'").head(5)
    return table("confusions", ["rank", "classes", "count"],
                 [row([r.rank, f"{r.class_a} / {r.class_b}", r.count])
                  for r in top.itertuples()])


TEX_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
               "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\^{}",
               "|": r"\textbar{}", "<": r"\textless{}", ">": r"\textgreater{}",
               "≤": r"$\leq$"}


def tex_escape(value):
    """Text safe to put in LaTeX."""
    return "".join(TEX_ESCAPES.get(char, char) for char in str(value))


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
    env.filters.update(tex=tex_escape, num=number)  # the one number format of both templates
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
    order, metrics by the names people read, a flag on those under which the random map
    beats most methods) and the disagreement sentence."""
    ranks, taus = pd.read_csv(ranks_path), pd.read_csv(agreement_path)
    found = {}
    for dataset, part in ranks.groupby("dataset", sort=False):
        names = ordered(config[dataset]["methods"])
        ranked = part.pivot(index="method", columns="metric", values="rank")
        ranked = ranked[[m for m in summary_columns() if m in ranked]].reindex(index=names)
        flagged = set(random_beats_most(part))
        heads = [metric_name(m) + (" †" if m in flagged else "") for m in ranked.columns]
        ranked = ranked.set_axis([spec(m).display for m in names], axis=0).set_axis(heads, axis=1)
        sentence = disagreement_sentence(taus.query("dataset == @dataset"))
        if flagged:
            sentence += (" Flagged (†): the random map beats most methods under "
                         f"{', '.join(metric_name(m) for m in flagged)}.")
        found[title(dataset)] = {
            "table": from_frame(ranked, "metric-ranks", "method", title(dataset), title(dataset),
                                digits=None),
            "sentence": sentence}
    return found


def metric_taus(agreement_path):
    """{(dataset title, column a, column b): (Kendall's tau, methods)} of the metrics'
    agreement table, where tau is defined."""
    return {(title(r.dataset), r.metric_a, r.metric_b): (float(r.tau), int(r.n))
            for r in pd.read_csv(agreement_path).itertuples() if r.tau == r.tau}


DIAGNOSTIC_FORMATS = {"error": lambda v: f"{v:.2e}", "share": lambda v: f"{100 * v:.1f} %",
                      "count": lambda v: f"{v:.1f}", "number": lambda v: f"{v:.3f}"}


def self_checks(rows, methods):
    """The self-check columns the configured `methods` declare (name people read), a note per
    method on what each measures, and a table of the summary `rows` that have one (empty
    cells where a method has no such check)."""
    columns = diagnostic_columns(methods)
    notes = [f"{spec(m).display}: {what} ({title})" for m in ordered(methods)
             for title, _, what in (spec(m).diagnostics or {}).values()]
    shown = []
    for found in rows:
        values = [found.get(column) for column in columns]
        if any(v is not None and v == v for v in values):
            cells = ["" if v is None or v != v else DIAGNOSTIC_FORMATS[fmt](v)
                     for v, (_, fmt, _) in zip(values, columns.values())]
            shown.append(row([found["dataset"], found["method"], *cells], found["key"]))
    heads = [head for head, _, _ in columns.values()]
    return {"notes": notes, "table": table("self-checks", ["dataset", "method", *heads], shown)}


TRUST_CAPTIONS = {"places": ("method", "place per criterion [95 % interval]"),
                  "verdicts": ("method", "against the random map"),
                  "checks": ("metric", "checks of the metrics")}


def trust(path):
    """Per dataset title: the 'Which method can I trust on this model?' sentences and tables
    of the trust section's JSON (vxai.stages.summary.write_trust)."""
    found = {}
    for dataset, section in json.loads(Path(path).read_text()).items():
        name = title(dataset)
        tables = []
        for key, (corner, caption) in TRUST_CAPTIONS.items():
            frame = pd.DataFrame(**section[key])
            if not frame.empty:
                tables.append(from_frame(frame, f"trust-{key}", corner, f"{name}: {caption}",
                                         name))
        found[name] = {"sentences": section["sentences"], "tables": tables}
    return found


def win_rate_tables(comparison, config):
    """Per dataset: the share of samples (%) where the row's method has a strictly lower drop
    than the column's."""
    found = []
    for dataset, part in comparison.query("subset == 'all'").groupby("dataset", sort=False):
        names = ordered(config[dataset]["methods"])
        shares = 100 * part.pivot(index="method_a", columns="method_b", values="a_lower")
        labels = [spec(m).display for m in names]
        shares = shares.reindex(index=names, columns=names).set_axis(labels, axis=0).set_axis(
            labels, axis=1)
        found.append(from_frame(shares, "win-rates", "", title(dataset), title(dataset),
                                digits=0))
    return found


def headline_by_class(faithfulness):
    """The first metric's columns per subset (correct, misclassified) and true class."""
    headline = metric_specs()[0]
    parts = faithfulness[faithfulness["subset"] != "all"]
    rows = [row([r["dataset"], r["method"], r["subset"], r["n"],
                 *(number(r[c], digits_of(c)) for c in headline.columns)],
                r["key"]) for r in parts.to_dict("records")]
    return table("faithfulness-per-class",
                 ["dataset", "method", "samples", "n",
                  *(head for head, _ in headline.columns.values())], rows)


def why_table(why):
    """Drop% beside the conventions that can move it, with the notes (vxai.why)."""
    rows = [row([r["title"], r["display"], interval(r["drop_pct"], r["drop_pct_lo"],
                                                    r["drop_pct_hi"], 2),
                 number(r["mean_kept_fraction"]), number(r["drop_exact_pct"], 2),
                 number(r["drop_soft_pct"], 2), number(r["random_drop_pct"], 2),
                 number(r.get("reproducibility")), "; ".join(r["notes"])], r["method"])
            for r in why]
    return table("why", ["dataset", "method", "Drop%", "kept", "Drop% tie-exact", "Drop% soft",
                         "random map Drop%", "reproducibility", "notes"], rows,
                 wrap_last=True)


def course_table(course):
    """This run's Drop% beside a course-profile run's, with the settings that differ."""
    rows = [row([r["title"], r["display"],
                 interval(r["drop_pct"], r["drop_pct_lo"], r["drop_pct_hi"], 2),
                 interval(r["course_drop_pct"], r["course_drop_pct_lo"],
                          r["course_drop_pct_hi"], 2),
                 f"{number(r['increase_pct'], 2)} / {number(r['course_increase_pct'], 2)}",
                 "; ".join(r["differences"]) or "none"], r["method"]) for r in course]
    return table("course", ["dataset", "method", "Drop% here", "Drop% course profile",
                            "Increase% here / course",
                            "settings that differ (here -> course)"], rows, wrap_last=True)


def budget_table(rows, dataset):
    """Per method with a budget: the budget run, the one the rule picks and the note."""
    shown = [row([r["display"], r["budget"],
                  "not measured" if r["reproducibility_at_budget"] is None
                  else number(r["reproducibility_at_budget"]),
                  "none" if r["chosen"] is None else r["chosen"],
                  f"{number(r['reproducibility_at_largest'])} ({r['largest']})", r["note"]],
                 r["method"]) for r in rows]
    return table("budgets", ["method", "budget run", "reproducibility there",
                             "budget the rule picks", "reproducibility at the largest measured",
                             "note"], shown, title(dataset), dataset, wrap_last=True)


def timing_tables(timings, rule_timings):
    """Wall seconds and model passes per rule and per job."""
    passes = ("forward", "gradient", "head")
    rules = [row([r["rule"], r["jobs"], number(r["seconds"], 1), *(r[k] for k in passes)])
             for r in rule_timings]
    jobs = [row([r["job"], number(r["seconds"], 1), *(r[k] for k in passes)]) for r in timings]
    return {"rules": table("timings rules", ["rule", "jobs", "seconds", *passes], rules),
            "jobs": table("timings", ["job", "seconds", *passes], jobs)}


def left_out_methods(path):
    """{method: reason} of a supported_methods file (skip_unsupported: true); {} for None."""
    return json.loads(Path(path).read_text())["left_out"] if path else {}


def appendix_context(files, config, datasets, folder, html_folder, bibtex):
    """Everything the appendix templates show, read from the pipeline's outputs; the methods
    a model cannot serve (skip_unsupported) are named, not shown."""
    left_out = {d: left_out_methods(files["datasets"][d].get("supported")) for d in datasets}
    config = {**config, **{d: {**config[d], "methods": {
        m: p for m, p in config[d]["methods"].items() if m not in left_out[d]}}
        for d in datasets}}
    faithfulness = _with_names(pd.read_csv(files["faithfulness"]))
    references = read_bibtex_text(bibtex)
    overall = faithfulness.query("subset == 'all'")
    keyed = overall.assign(display=overall["method"], title=overall["dataset"],
                           method=overall["key"], dataset=overall["dataset_key"])
    why = why_these_numbers(keyed, {d: config[d]["keep_fraction"] for d in datasets})
    course = None
    if files.get("course"):  # a course-profile run's numbers beside these
        theirs = pd.read_csv(files["course"]["faithfulness"]).query("subset == 'all'")
        base, profile = (yaml.safe_load(Path(files["course"][key]).read_text())
                         for key in ("base_config", "config"))
        course_config = merge_configs(base, profile)
        origins = {d: tuple(json.loads(Path(info).read_text())["origin"] for info in
                            (files["datasets"][d]["info"], files["course"]["info"][d]))
                   for d in files["course"]["info"]}
        course = course_table(course_comparison(keyed, theirs, config, course_config, origins))
    timings, rule_timings = job_costs(files["benchmarks"])

    def section(dataset):
        counts = dict(overall.query("dataset_key == @dataset")[["key", "n"]].values)
        explain = {method: sum(benchmark_seconds(p) for p in paths) for method, paths in
                   files["datasets"][dataset]["explain_benchmarks"].items()}
        rows = _method_rows(config, dataset, references, explain, counts)
        found = _dataset_section(dataset, files["datasets"][dataset], rows, folder, html_folder)
        configured = {m: {**spec(m).params, **(p or {})}.get(spec(m).budget)
                      for m, p in config[dataset]["methods"].items() if spec(m).budget}
        budgets = budget_rows(pd.read_csv(files["datasets"][dataset]["convergence"]),
                              configured)
        found["budgets"] = budget_table(budgets, dataset) if budgets else None
        found["left_out"] = [{"display": spec(m).display, "reason": reason}
                             for m, reason in left_out[dataset].items()]
        return found

    return {
        "title": config["report"]["title"],
        "datasets": {d: section(d) for d in datasets},
        "timings": timing_tables(timings, rule_timings),
        "metrics": metric_sections(overall.to_dict("records"), metric_taus(files["agreement"]),
                                   references),
        "by_class": headline_by_class(faithfulness),
        "why": why_table(why),
        "course": course,
        "win_rates": win_rate_tables(pd.read_csv(files["comparison"]), config),
        "agreement": metrics_agreement(files["ranks"], files["agreement"], config),
        "trust": trust(files["trust"]),
        "self_checks": self_checks(
            [r for r in faithfulness.to_dict("records") if r["subset"] == "all"],
            {m for d in datasets for m in config[d]["methods"]}),
        "critical_plot": embed_image(files["critical_plot"]),
        "critical_plot_path": os.path.relpath(files["critical_plot"], folder),
        "agreement_plot": embed_image(files["agreement_plot"]),
        "agreement_plot_path": os.path.relpath(files["agreement_plot"], folder),
        "sanity": sanity_table({d: files["datasets"][d]["sanity"] for d in datasets}, config),
        "keep_fraction": {title(d): config[d]["keep_fraction"] for d in datasets},
        "reproducible": REPRODUCIBLE,
        "alpha": ALPHA,
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
    metric_agreement.csv and .png), critical_plot, trust (the trust section's JSON),
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
