rule evaluate:
    input:
        code("evaluate.py"),
        data="results/data/{dataset}.npz",
        model="results/models/{dataset}.keras",
    output:
        predictions=report(
            "results/{dataset}/eval/predictions.csv",
            caption="../report/predictions.rst",
            category="Tasks 1 and 3: classification",
            subcategory=dataset_title,
            labels=labels(table="predictions"),
        ),
        metrics=report(
            "results/{dataset}/eval/metrics.json",
            caption="../report/metrics.rst",
            category="Tasks 1 and 3: classification",
            subcategory=dataset_title,
            labels=labels(table="metrics"),
        ),
        confusion=report(
            "results/{dataset}/eval/confusion.csv",
            caption="../report/confusion.rst",
            category="Tasks 1 and 3: classification",
            subcategory=dataset_title,
            labels=labels(table="confusion counts"),
        ),
        confusion_normalized=report(
            "results/{dataset}/eval/confusion_normalized.csv",
            caption="../report/confusion.rst",
            category="Tasks 1 and 3: classification",
            subcategory=dataset_title,
            labels=labels(table="confusion normalized"),
        ),
        ranked=report(
            "results/{dataset}/eval/confusions_ranked.csv",
            caption="../report/confusions_ranked.rst",
            category="Tasks 1 and 3: classification",
            subcategory=dataset_title,
            labels=labels(table="ranked confusions"),
        ),
        cases="results/{dataset}/eval/cases.csv",
    log:
        "logs/{dataset}/evaluate.log",
    benchmark:
        "benchmarks/{dataset}/evaluate.tsv"
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
        data="results/data/{dataset}.npz",
        history=lambda wildcards: (
            f"results/models/{wildcards.dataset}_history.csv"
            if wildcards.figure == "curves"
            else []
        ),
        predictions="results/{dataset}/eval/predictions.csv",
        metrics="results/{dataset}/eval/metrics.json",
        confusion_normalized="results/{dataset}/eval/confusion_normalized.csv",
        cases="results/{dataset}/eval/cases.csv",
    output:
        report(
            "results/{dataset}/eval/{figure}.png",
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
