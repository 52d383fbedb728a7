"""The sets of files the report rules read: helpers only, beside common.smk."""


def benchmark_files():
    """{job: its benchmark file} of every job the appendix reports wall times for."""
    files = [path(DATA_BENCHMARK, dataset="hmt")] if "hmt" in DATASETS else []
    files += [path(TRAIN_BENCHMARK, dataset=dataset) for dataset in trained_datasets()]
    for dataset in DATASETS:
        files.append(path(EVALUATION_BENCHMARK, dataset=dataset))
        files.append(path(CONVERGENCE_BENCHMARK, dataset=dataset))
        for method in methods(dataset):
            files.append(path(SCORE_BENCHMARK, dataset=dataset, method=method))
            files += explain_benchmarks(dataset, method)
    return {file[len("benchmarks/") : -len(".tsv")]: file for file in files}


def explain_benchmarks(dataset, method):
    return [
        path(EXPLAIN_BENCHMARK, dataset=dataset, method=method, shard=shard)
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
        "base_config": os.path.relpath(REPO / "config" / "config.yaml"),
        "config": os.path.relpath(REPO / "config" / "course.yaml"),
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
            "data": path(DATA, dataset=dataset),
            "predictions": path(EVALUATION, dataset=dataset, name="predictions.csv"),
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
        "faithfulness": str(rules.faithfulness_summary.output.table),
        "comparison": str(rules.paired_tests.output.comparison),
        "faithfulness_plot": str(rules.faithfulness_summary.output.figure),
        "ranks": str(rules.metric_checks.output.ranks),
        "agreement": str(rules.metric_checks.output.agreement),
        "agreement_plot": str(rules.metric_checks.output.agreement_figure),
        "critical_plot": str(rules.paired_tests.output.critical_figure),
        "trust": str(rules.trust_section.output[0]),
        "manifest": path(MANIFEST, dataset="hmt") if "hmt" in DATASETS else None,
        "benchmarks": benchmark_files(),
        "course": course_files(),
        "datasets": {
            dataset: {
                "metrics": path(EVALUATION, dataset=dataset, name="metrics.json"),
                "info": path(MODEL_INFO, dataset=dataset),
                "ranked": path(
                    EVALUATION, dataset=dataset, name="confusions_ranked.csv"
                ),
                "confusion": path(EVALUATION, dataset=dataset, name="confusion.csv"),
                "convergence": path(CONVERGENCE, dataset=dataset),
                "supported": (
                    path(SUPPORTED, dataset=dataset)
                    if config[dataset]["skip_unsupported"]
                    else None
                ),
                "tables": [
                    path(EVALUATION, dataset=dataset, name=f) for f in evaluation_tables
                ],
                "evaluation_figures": {
                    Path(file).stem: file for file in eval_figures(dataset)
                },
                "figures": {
                    key: path(FIGURE, dataset=dataset, name=name)
                    for key, name in FIGURES.items()
                },
                "metric_figures": {
                    name: path(FIGURE, dataset=dataset, name=f"{name}.png")
                    for name in metric_figures()
                },
                "sanity": {
                    method: path(SANITY, dataset=dataset, method=method)
                    for method in methods(dataset)
                },
                "explain_benchmarks": {
                    method: explain_benchmarks(dataset, method)
                    for method in methods(dataset)
                },
                "train_benchmark": (
                    path(TRAIN_BENCHMARK, dataset=dataset)
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
        return [file for item in value.values() for file in paths_in(item)]
    if isinstance(value, list):
        return [file for item in value for file in paths_in(item)]
    return [] if value is None else [value]


def latex_pdf():
    """The PDF appendix when report: pdf is true, or auto and a TeX installation is present."""
    setting = config["report"].get("pdf", "auto")
    tex = shutil.which("pdflatex") and shutil.which("bibtex")
    return (
        [path(REPORT, name="appendix.pdf")]
        if setting is True or (setting == "auto" and tex)
        else []
    )
