rule maps_gallery:
    input:
        code("maps_gallery.py"),
        maps=all_map_shards,
        data=DATA,
        predictions=path(EVALUATION, name="predictions.csv"),
    output:
        report(
            path(FIGURE, name="maps_gallery.jpg"),
            caption="../report/maps_gallery.rst",
            category="Tasks 2 and 3: explanations",
            subcategory=dataset_title,
            labels=labels(figure="maps gallery"),
        ),
    log:
        "logs/{dataset}/maps_gallery.log",
    conda:
        "../envs/vxai.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        maps=lambda wildcards: maps_by_method(wildcards.dataset),
        test_samples=dataset_param("test_samples"),
    script:
        "../../scripts/maps_gallery.py"


rule curves_figure:
    input:
        code("curves_figure.py"),
        curves=lambda wildcards: paths_in(curve_files(wildcards.dataset)),
    output:
        report(
            path(FIGURE, name="curves.png"),
            caption="../report/curves.rst",
            category="Task 4: faithfulness",
            subcategory=dataset_title,
            labels=labels(figure="deletion and insertion curves"),
        ),
    log:
        "logs/{dataset}/curves_figure.log",
    conda:
        "../envs/vxai.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        curves=lambda wildcards: curve_files(wildcards.dataset),
    script:
        "../../scripts/curves_figure.py"


rule misclassified_figure:
    input:
        lambda wildcards: code(
            "misclassified_figure.py", misclassified_methods(wildcards.dataset)
        ),
        data=DATA,
        model=MODEL,
        predictions=path(EVALUATION, name="predictions.csv"),
    output:
        report(
            path(FIGURE, name="misclassified.jpg"),
            caption="../report/misclassified.rst",
            category="Task 4: faithfulness",
            subcategory=dataset_title,
            labels=labels(figure="misclassified samples"),
        ),
    log:
        "logs/{dataset}/misclassified_figure.log",
    conda:
        "../envs/vxai.yaml"
    threads: config["threads"]
    resources:
        mem_mb=4000,
        gpu=1,
    params:
        methods=lambda wildcards: misclassified_methods(wildcards.dataset),
        samples=config["report"]["misclassified"]["samples"],
        test_samples=dataset_param("test_samples"),
        seed=lambda wildcards: job_seed(wildcards.dataset, "misclassified"),
    script:
        "../../scripts/misclassified_figure.py"
