rule appendix:
    input:
        code("appendix.py"),
        template=str(TEMPLATES / "appendix.html.j2"),
        latex=str(TEMPLATES / "appendix.tex.j2"),
        cards=str(TEMPLATES / "method_cards.yaml"),
        references=str(TEMPLATES / "references.bib"),
        faithfulness="results/summary/faithfulness.csv",
        comparison="results/summary/method_comparison.csv",
        faithfulness_plot="results/summary/faithfulness.png",
        sanity=sanity_tables(),
        metrics=expand("results/{dataset}/eval/metrics.json", dataset=DATASETS),
        ranked=expand("results/{dataset}/eval/confusions_ranked.csv", dataset=DATASETS),
        confusion=expand("results/{dataset}/eval/confusion.csv", dataset=DATASETS),
        info=expand("results/models/{dataset}_info.json", dataset=DATASETS),
        eval_figures=[path for dataset in DATASETS for path in eval_figures(dataset)],
        galleries=expand("results/{dataset}/figures/maps_gallery.png", dataset=DATASETS),
        curves=expand("results/{dataset}/figures/curves.png", dataset=DATASETS),
        misclassified=expand(
            "results/{dataset}/figures/misclassified.png", dataset=DATASETS
        ),
        convergence=expand(
            "results/{dataset}/figures/convergence.png", dataset=DATASETS
        ),
        manifest="results/data/hmt_manifest.csv",
        train_benchmarks=expand(
            "benchmarks/models/{dataset}_train.tsv", dataset=trained_datasets()
        ),
        benchmarks=benchmark_files(),
    output:
        html="results/report/appendix.html",
        tex="results/report/appendix.tex",
        bib="results/report/references.bib",
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


rule appendix_pdf:
    input:
        tex="results/report/appendix.tex",
        bib="results/report/references.bib",
        figures=[path for dataset in DATASETS for path in eval_figures(dataset)]
        + expand(
            "results/{dataset}/figures/{figure}.png",
            dataset=DATASETS,
            figure=["maps_gallery", "curves", "misclassified", "convergence"],
        )
        + ["results/summary/faithfulness.png"],
    output:
        "results/report/appendix.pdf",
    log:
        "logs/report/appendix_pdf.log",
    conda:
        "../envs/latex.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    shell:
        "cd results/report && "
        "(pdflatex -interaction=nonstopmode -halt-on-error appendix.tex && "
        "bibtex appendix && "
        "pdflatex -interaction=nonstopmode -halt-on-error appendix.tex && "
        "pdflatex -interaction=nonstopmode -halt-on-error appendix.tex) "
        "> ../../{log} 2>&1"
