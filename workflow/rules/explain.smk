rule explain:
    input:
        lambda wildcards: code("explain.py", [wildcards.method]),
        data=DATA,
        model=MODEL,
    output:
        MAPS,
    log:
        "logs/{dataset}/explain/{method}_shard{shard}.log",
    benchmark:
        EXPLAIN_BENCHMARK
    conda:
        "../envs/vxai.yaml"
    threads: config["threads"]
    resources:
        mem_mb=6000,
        gpu=1,
    params:
        method_params=method_params,
        test_samples=dataset_param("test_samples"),
        method_samples=explain_samples,
        n_shards=dataset_param("explain", "shards"),
        batch_size=dataset_param("batch_size"),
        seed=lambda wildcards: job_seed(wildcards.dataset, wildcards.method),
    script:
        "../../scripts/explain.py"


checkpoint supported_methods:
    input:
        lambda wildcards: code(
            "supported_methods.py", config[wildcards.dataset]["methods"]
        ),
        model=MODEL,
    output:
        SUPPORTED,
    log:
        "logs/{dataset}/supported_methods.log",
    conda:
        "../envs/vxai.yaml"
    threads: 1
    resources:
        mem_mb=6000,
    params:
        methods=lambda wildcards: config[wildcards.dataset]["methods"],
    script:
        "../../scripts/supported_methods.py"
