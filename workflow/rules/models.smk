if trained_datasets():

    rule train_model:
        input:
            code("train_model.py"),
            data="results/data/{dataset}.npz",
        output:
            model="results/models/{dataset}.keras",
            history="results/models/{dataset}_history.csv",
            info="results/models/{dataset}_info.json",
        log:
            "logs/models/{dataset}_train.log",
        benchmark:
            "benchmarks/models/{dataset}_train.tsv"
        wildcard_constraints:
            dataset="|".join(trained_datasets()),
        conda:
            "../envs/vxai.yaml"
        threads: config["threads"]
        resources:
            mem_mb=6000,
            gpu=1,
        params:
            kind=dataset_param("kind"),
            train=dataset_param("train"),
            input_size=lambda wildcards: input_size(wildcards.dataset),
            seed=lambda wildcards: job_seed(wildcards.dataset, "train"),
        script:
            "../../scripts/train_model.py"


if pretrained_datasets():

    rule import_model:
        input:
            code("import_model.py"),
            h5=dataset_param("model_file"),
            data="results/data/{dataset}.npz",
        output:
            model="results/models/{dataset}.keras",
            info="results/models/{dataset}_info.json",
        log:
            "logs/models/{dataset}_import.log",
        wildcard_constraints:
            dataset="|".join(pretrained_datasets()),
        conda:
            "../envs/vxai.yaml"
        threads: 1
        resources:
            mem_mb=2000,
        params:
            kind=dataset_param("kind"),
        script:
            "../../scripts/import_model.py"
