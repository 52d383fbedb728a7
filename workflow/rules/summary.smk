rule faithfulness_summary:
    input:
        code("faithfulness_summary.py"),
        scores=lambda wildcards: score_tables(),
    output:
        table=report(
            path(SUMMARY, name="faithfulness.csv"),
            caption="../report/faithfulness.rst",
            category="Task 4: faithfulness",
            labels=labels(table="every metric of every method"),
        ),
        figure=report(
            path(SUMMARY, name="faithfulness.png"),
            caption="../report/faithfulness_plot.rst",
            category="Task 4: faithfulness",
            labels=labels(figure="Drop% and Increase%"),
        ),
    log:
        "logs/summary/faithfulness.log",
    conda:
        "../envs/vxai.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        score_tables=lambda wildcards: score_tables_by_dataset(),
        seed=job_seed("summary"),
    script:
        "../../scripts/faithfulness_summary.py"


rule paired_tests:
    input:
        code("paired_tests.py"),
        scores=lambda wildcards: score_tables(),
    output:
        paired=report(
            path(SUMMARY, name="paired_tests.csv"),
            caption="../report/paired_tests.rst",
            category="Task 4: faithfulness",
            labels=labels(table="paired tests of every pair of methods"),
        ),
        comparison=report(
            path(SUMMARY, name="method_comparison.csv"),
            caption="../report/method_comparison.rst",
            category="Task 4: faithfulness",
            labels=labels(table="method versus method"),
        ),
        criteria=report(
            path(SUMMARY, name="criterion_ranks.csv"),
            caption="../report/criterion_ranks.rst",
            category="Task 4: faithfulness",
            labels=labels(table="ranks per criterion with intervals"),
        ),
        critical=report(
            path(SUMMARY, name="critical_difference.csv"),
            caption="../report/critical_difference.rst",
            category="Task 4: faithfulness",
            labels=labels(table="Friedman test and critical difference"),
        ),
        critical_figure=report(
            path(SUMMARY, name="critical_difference.png"),
            caption="../report/critical_difference.rst",
            category="Task 4: faithfulness",
            labels=labels(figure="critical-difference diagrams"),
        ),
    log:
        "logs/summary/paired_tests.log",
    conda:
        "../envs/vxai.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        score_tables=lambda wildcards: score_tables_by_dataset(),
        seed=job_seed("summary"),
    script:
        "../../scripts/paired_tests.py"


rule metric_checks:
    input:
        code("metric_checks.py"),
        scores=lambda wildcards: score_tables(),
    output:
        ranks=report(
            path(SUMMARY, name="metric_ranks.csv"),
            caption="../report/metric_ranks.rst",
            category="Task 4: faithfulness",
            labels=labels(table="each method's rank under each metric"),
        ),
        agreement=report(
            path(SUMMARY, name="metric_agreement.csv"),
            caption="../report/metric_agreement.rst",
            category="Task 4: faithfulness",
            labels=labels(table="Kendall's tau between the metrics"),
        ),
        agreement_figure=report(
            path(SUMMARY, name="metric_agreement.png"),
            caption="../report/metric_agreement.rst",
            category="Task 4: faithfulness",
            labels=labels(figure="Kendall's tau between the metrics"),
        ),
        checks=report(
            path(SUMMARY, name="metric_checks.csv"),
            caption="../report/metric_checks.rst",
            category="Task 4: faithfulness",
            labels=labels(table="reliability and ground-truth checks of the metrics"),
        ),
    log:
        "logs/summary/metric_checks.log",
    conda:
        "../envs/vxai.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        score_tables=lambda wildcards: score_tables_by_dataset(),
        seed=job_seed("summary"),
    script:
        "../../scripts/metric_checks.py"


rule trust_section:
    input:
        code("trust_section.py"),
        criteria=rules.paired_tests.output.criteria,
        paired=rules.paired_tests.output.paired,
        checks=rules.metric_checks.output.checks,
        faithfulness=rules.faithfulness_summary.output.table,
    output:
        path(SUMMARY, name="trust.json"),
    log:
        "logs/summary/trust.log",
    conda:
        "../envs/vxai.yaml"
    threads: 1
    resources:
        mem_mb=1000,
    params:
        datasets=DATASETS,
    script:
        "../../scripts/trust_section.py"
