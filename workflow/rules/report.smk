rule appendix:
    input:
        code("report.py", "catalog.py"),
        template=str(TEMPLATES / "appendix.html.j2"),
        cards=str(TEMPLATES / "method_cards.yaml"),
        references=str(TEMPLATES / "references.bib"),
        faithfulness="results/summary/faithfulness.csv",
        comparison="results/summary/method_comparison.csv",
        sanity=sanity_tables(),
        metrics=expand("results/{dataset}/eval/metrics.json", dataset=DATASETS),
        ranked=expand("results/{dataset}/eval/confusions_ranked.csv", dataset=DATASETS),
        confusion=expand("results/{dataset}/eval/confusion.csv", dataset=DATASETS),
        info=expand("results/models/{dataset}_info.json", dataset=DATASETS),
        eval_figures=[path for dataset in DATASETS for path in eval_figures(dataset)],
        galleries=expand("results/{dataset}/figures/maps_gallery.png", dataset=DATASETS),
        curves=expand("results/{dataset}/figures/curves.png", dataset=DATASETS),
        manifest="results/data/hmt_manifest.csv",
        train_benchmarks=expand(
            "benchmarks/models/{dataset}_train.tsv", dataset=trained_datasets()
        ),
        benchmarks=benchmark_files(),
    output:
        "results/report/appendix.html",
    log:
        "logs/report/appendix.log",
    conda:
        "../envs/vxai.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        config=config,
        datasets=DATASETS,
    script:
        "../../scripts/appendix.py"
