rule explain:
    input:
        lambda wildcards: code("explain.py", [wildcards.method]),
        data="results/data/{dataset}.npz",
        model="results/models/{dataset}.keras",
    output:
        "results/{dataset}/maps/{method}/shard{shard}.npz",
    log:
        "logs/{dataset}/explain/{method}_shard{shard}.log",
    benchmark:
        "benchmarks/{dataset}/explain/{method}_shard{shard}.tsv"
    conda:
        "../envs/vxai.yaml"
    threads: config["threads"]
    resources:
        mem_mb=6000,
        gpu=1,
    params:
        method_params=lambda wildcards: config[wildcards.dataset]["methods"][
            wildcards.method
        ]
        or {},
        test_samples=lambda wildcards: config[wildcards.dataset]["test_samples"],
        method_samples=explain_samples,
        n_shards=lambda wildcards: config[wildcards.dataset]["explain"]["shards"],
        batch_size=lambda wildcards: config[wildcards.dataset]["batch_size"],
        seed=lambda wildcards: job_seed(wildcards.dataset, wildcards.method),
    script:
        "../../scripts/explain.py"
