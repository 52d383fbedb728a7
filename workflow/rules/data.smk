rule mnist1d_data:
    input:
        code("mnist1d_data.py"),
    output:
        "results/data/mnist1d.npz",
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
        arrays="results/data/hmt.npz",
        manifest="results/data/hmt_manifest.csv",
    log:
        "logs/data/hmt.log",
    benchmark:
        "benchmarks/data/hmt.tsv"
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
