rule score:
    input:
        lambda wildcards: code("score.py", [wildcards.method]),
        maps=map_shards,
        data="results/data/{dataset}.npz",
        model="results/models/{dataset}.keras",
    output:
        scores=report(
            "results/{dataset}/scores/{method}.csv",
            caption="../report/scores.rst",
            category="Task 4: faithfulness",
            subcategory=dataset_title,
            labels=labels(table="per-sample scores"),
        ),
        curves="results/{dataset}/curves/{method}.npz",
        sanity=report(
            "results/{dataset}/sanity/{method}.csv",
            caption="../report/sanity.rst",
            category="Task 4: faithfulness",
            subcategory=dataset_title,
            labels=labels(table="sanity check"),
        ),
    log:
        "logs/{dataset}/score/{method}.log",
    benchmark:
        "benchmarks/{dataset}/score/{method}.tsv"
    conda:
        "../envs/vxai.yaml"
    threads: config["threads"]
    resources:
        mem_mb=6000,
        gpu=1,
    params:
        keep_fraction=dataset_param("keep_fraction"),
        test_samples=dataset_param("test_samples"),
        batch_size=dataset_param("batch_size"),
        seed=lambda wildcards: job_seed(wildcards.dataset, wildcards.method, "score"),
        explain_seed=lambda wildcards: job_seed(wildcards.dataset, wildcards.method),
        metrics=lambda wildcards: {
            name: config[wildcards.dataset][name]
            for name in SCORE_METRICS
            if name in config[wildcards.dataset]
        },
        method_params=method_params,
        sanity_samples=dataset_param("sanity", "samples"),
    script:
        "../../scripts/score.py"


rule budget_convergence:
    input:
        lambda wildcards: code(
            "budget_convergence.py", convergence_methods(wildcards.dataset)
        ),
        data="results/data/{dataset}.npz",
        model="results/models/{dataset}.keras",
    output:
        table="results/{dataset}/convergence.csv",
        figure=report(
            "results/{dataset}/figures/convergence.png",
            caption="../report/convergence.rst",
            category="Task 4: faithfulness",
            subcategory=dataset_title,
            labels=labels(figure="Drop%, ROAD and reproducibility against the budget"),
        ),
    log:
        "logs/{dataset}/budget_convergence.log",
    benchmark:
        "benchmarks/{dataset}/budget_convergence.tsv"
    conda:
        "../envs/vxai.yaml"
    threads: config["threads"]
    resources:
        mem_mb=6000,
        gpu=1,
    params:
        methods=lambda wildcards: convergence_methods(wildcards.dataset),
        budgets=dataset_param("convergence", "budgets"),
        samples=dataset_param("convergence", "samples"),
        test_samples=dataset_param("test_samples"),
        keep_fraction=dataset_param("keep_fraction"),
        batch_size=dataset_param("batch_size"),
        seed=lambda wildcards: job_seed(wildcards.dataset, "convergence"),
        road=dataset_param("road"),
        method_budgets=lambda wildcards: config[wildcards.dataset]["convergence"].get(
            "method_budgets"
        ),
    script:
        "../../scripts/budget_convergence.py"
