rule evaluate:
    input:
        code("evaluate.py"),
        data=DATA,
        model=MODEL,
    output:
        predictions=report(
            path(EVALUATION, name="predictions.csv"),
            caption="../report/predictions.rst",
            category="Tasks 1 and 3: classification",
            subcategory=dataset_title,
            labels=labels(table="predictions"),
        ),
        metrics=report(
            path(EVALUATION, name="metrics.json"),
            caption="../report/metrics.rst",
            category="Tasks 1 and 3: classification",
            subcategory=dataset_title,
            labels=labels(table="metrics"),
        ),
        confusion=report(
            path(EVALUATION, name="confusion.csv"),
            caption="../report/confusion.rst",
            category="Tasks 1 and 3: classification",
            subcategory=dataset_title,
            labels=labels(table="confusion counts"),
        ),
        confusion_normalized=report(
            path(EVALUATION, name="confusion_normalized.csv"),
            caption="../report/confusion.rst",
            category="Tasks 1 and 3: classification",
            subcategory=dataset_title,
            labels=labels(table="confusion normalized"),
        ),
        ranked=report(
            path(EVALUATION, name="confusions_ranked.csv"),
            caption="../report/confusions_ranked.rst",
            category="Tasks 1 and 3: classification",
            subcategory=dataset_title,
            labels=labels(table="ranked confusions"),
        ),
        cases=path(EVALUATION, name="cases.csv"),
    log:
        "logs/{dataset}/evaluate.log",
    benchmark:
        EVALUATION_BENCHMARK
    conda:
        "../envs/vxai.yaml"
    threads: config["threads"]
    resources:
        mem_mb=4000,
        gpu=1,
    params:
        test_samples=dataset_param("test_samples"),
        batch_size=dataset_param("batch_size"),
    script:
        "../../scripts/evaluate.py"


rule evaluation_figures:
    input:
        code("evaluation_figure.py"),
        data=DATA,
        history=lambda wildcards: (
            path(HISTORY, dataset=wildcards.dataset)
            if wildcards.figure == "curves"
            else []
        ),
        predictions=path(EVALUATION, name="predictions.csv"),
        metrics=path(EVALUATION, name="metrics.json"),
        confusion_normalized=path(EVALUATION, name="confusion_normalized.csv"),
        cases=path(EVALUATION, name="cases.csv"),
    output:
        report(
            path(EVALUATION, name="{figure}.png"),
            caption="../report/evaluation.rst",
            category="Tasks 1 and 3: classification",
            subcategory=dataset_title,
            labels=labels(figure="{figure}"),
        ),
    log:
        "logs/{dataset}/eval_{figure}.log",
    wildcard_constraints:
        figure="curves|roc|confusion|cases",
    conda:
        "../envs/vxai.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        test_samples=dataset_param("test_samples"),
    script:
        "../../scripts/evaluation_figure.py"
