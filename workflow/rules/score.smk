rule score:
    input:
        lambda wildcards: code("score.py", [wildcards.method]),
        maps=map_shards,
        data=DATA,
        model=MODEL,
    output:
        scores=report(
            SCORES,
            caption="../report/scores.rst",
            category="Task 4: faithfulness",
            subcategory=dataset_title,
            labels=labels(table="per-sample scores"),
        ),
        curves=CURVES,
        sanity=report(
            SANITY,
            caption="../report/sanity.rst",
            category="Task 4: faithfulness",
            subcategory=dataset_title,
            labels=labels(table="sanity check"),
        ),
    log:
        "logs/{dataset}/score/{method}.log",
    benchmark:
        SCORE_BENCHMARK
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
        data=DATA,
        model=MODEL,
    output:
        table=CONVERGENCE,
        figure=report(
            path(FIGURE, name="convergence.png"),
            caption="../report/convergence.rst",
            category="Task 4: faithfulness",
            subcategory=dataset_title,
            labels=labels(figure="Drop%, ROAD and reproducibility against the budget"),
        ),
    log:
        "logs/{dataset}/budget_convergence.log",
    benchmark:
        CONVERGENCE_BENCHMARK
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
