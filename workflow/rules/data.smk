rule mnist1d_data:
    input:
        code("mnist1d_data.py"),
    output:
        path(DATA, dataset="mnist1d"),
    log:
        "logs/data/mnist1d.log",
    conda:
        "../envs/vxai.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        generate=config["mnist1d"]["generate"],
    script:
        "../../scripts/mnist1d_data.py"


rule hmt_download:
    output:
        HMT_ZIP,
    log:
        "logs/data/hmt_download.log",
    retries: 1
    conda:
        "../envs/vxai.yaml"
    threads: 1
    resources:
        mem_mb=500,
    params:
        url=config["hmt"]["url"],
        md5=config["hmt"]["md5"],
    script:
        "../../scripts/hmt_download.py"


rule hmt_data:
    input:
        code("hmt_data.py"),
        source=hmt_source(),
    output:
        arrays=path(DATA, dataset="hmt"),
        manifest=path(MANIFEST, dataset="hmt"),
    log:
        "logs/data/hmt.log",
    benchmark:
        path(DATA_BENCHMARK, dataset="hmt")
    conda:
        "../envs/vxai.yaml"
    threads: 1
    resources:
        mem_mb=4000,
    params:
        test_per_class=config["hmt"]["test_per_class"],
        seed=job_seed("hmt", "split"),
    script:
        "../../scripts/hmt_data.py"


if own_datasets("images"):

    rule image_data:
        input:
            code("image_data.py"),
            source=dataset_param("source"),
        output:
            arrays=DATA,
            manifest=MANIFEST,
        log:
            "logs/data/{dataset}.log",
        wildcard_constraints:
            dataset="|".join(own_datasets("images")),
        conda:
            "../envs/vxai.yaml"
        threads: 1
        resources:
            mem_mb=4000,
        params:
            class_names=dataset_param("class_names"),
        script:
            "../../scripts/image_data.py"


if own_datasets("signals"):

    rule signal_data:
        input:
            code("signal_data.py"),
            source=dataset_param("source"),
        output:
            DATA,
        log:
            "logs/data/{dataset}.log",
        wildcard_constraints:
            dataset="|".join(own_datasets("signals")),
        conda:
            "../envs/vxai.yaml"
        threads: 1
        resources:
            mem_mb=2000,
        params:
            class_names=dataset_param("class_names"),
        script:
            "../../scripts/signal_data.py"
