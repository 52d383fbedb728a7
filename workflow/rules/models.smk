if trained_datasets():

    rule train_model:
        input:
            code("train_model.py"),
            data=DATA,
        output:
            model=MODEL,
            history=HISTORY,
            info=MODEL_INFO,
        log:
            "logs/models/{dataset}_train.log",
        benchmark:
            TRAIN_BENCHMARK
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
            data=DATA,
        output:
            model=MODEL,
            info=MODEL_INFO,
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
