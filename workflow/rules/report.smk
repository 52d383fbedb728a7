rule appendix:
    input:
        code("appendix.py"),
        lambda wildcards: paths_in(appendix_files()),
    output:
        html=path(REPORT, name="appendix.html"),
        tex=path(REPORT, name="appendix.tex"),
        bib=path(REPORT, name="references.bib"),
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
        files=lambda wildcards: appendix_files(),
    script:
        "../../scripts/appendix.py"


rule appendix_pdf:
    input:
        tex=path(REPORT, name="appendix.tex"),
        bib=path(REPORT, name="references.bib"),
        figures=[path for dataset in DATASETS for path in eval_figures(dataset)]
        + expand(
            path(FIGURE, name="{figure}"),
            dataset=DATASETS,
            figure=[*FIGURES.values(), *(f"{name}.png" for name in metric_figures())],
        )
        + [
            rules.faithfulness_summary.output.figure,
            rules.metric_checks.output.agreement_figure,
            rules.paired_tests.output.critical_figure,
        ],
    output:
        path(REPORT, name="appendix.pdf"),
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


rule explorer:
    input:
        code("explorer.py"),
        lambda wildcards: paths_in(explorer_files()),
        template=TEMPLATES / "explorer.html.j2",
    output:
        report(
            directory(path(REPORT, name="explorer")),
            htmlindex="index.html",
            caption="../report/explorer.rst",
            category="Tasks 2 and 3: explanations",
            labels=labels(page="map explorer"),
        ),
    log:
        "logs/report/explorer.log",
    conda:
        "../envs/vxai.yaml"
    threads: 1
    resources:
        mem_mb=4000,
    params:
        datasets=lambda wildcards: explorer_datasets(),
        template=TEMPLATES / "explorer.html.j2",
    script:
        "../../scripts/explorer.py"
