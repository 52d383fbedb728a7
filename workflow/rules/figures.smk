rule maps_gallery:
    input:
        code("plots.py", "figures.py", "maps.py", "data/inputs.py"),
        maps=all_map_shards,
        data="results/data/{dataset}.npz",
        predictions="results/{dataset}/eval/predictions.csv",
    output:
        report(
            "results/{dataset}/figures/maps_gallery.png",
            caption="../report/maps_gallery.rst",
            category="Explanations",
            subcategory="{dataset}",
            labels={"dataset": "{dataset}", "figure": "maps gallery"},
        ),
    log:
        "logs/{dataset}/maps_gallery.log",
    conda:
        "../envs/vxai.yaml"
    threads: 1
    resources:
        mem_mb=2000,
    params:
        methods=lambda wildcards: methods(wildcards.dataset),
        test_samples=lambda wildcards: config[wildcards.dataset]["test_samples"],
        input_size=lambda wildcards: input_size(wildcards.dataset),
    script:
        "../../scripts/maps_gallery.py"


rule curves_figure:
    input:
        code("plots.py", "figures.py", "data/inputs.py"),
        curves=lambda wildcards: expand(
            "results/{dataset}/curves/{method}.npz",
            dataset=wildcards.dataset,
            method=methods(wildcards.dataset),
        ),
    output:
        report(
            "results/{dataset}/figures/curves.png",
            caption="../report/curves.rst",
            category="Faithfulness",
            subcategory="{dataset}",
            labels={"dataset": "{dataset}", "figure": "deletion and insertion curves"},
        ),
    log:
        "logs/{dataset}/curves_figure.log",
    conda:
        "../envs/vxai.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        methods=lambda wildcards: methods(wildcards.dataset),
    script:
        "../../scripts/curves_figure.py"
