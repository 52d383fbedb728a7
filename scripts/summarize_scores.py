"""Aggregate per-sample scores into Drop% and Increase% with intervals."""

from vxai.runtime import log_to, report_errors

log_to(snakemake.log[0])

from vxai.stages.summary import summarize_scores  # noqa: E402

with report_errors():
    summarize_scores(
        dict(snakemake.params.score_tables),
        snakemake.params.seed,
        snakemake.output.faithfulness,
        snakemake.output.comparison,
        snakemake.output.figure,
        snakemake.output.ranks,
        snakemake.output.agreement,
        snakemake.output.agreement_figure,
        snakemake.output.paired,
        snakemake.output.criteria,
        snakemake.output.critical,
        snakemake.output.critical_figure,
        snakemake.output.checks,
    )
