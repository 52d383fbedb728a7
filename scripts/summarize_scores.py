"""Aggregate per-sample scores into Drop% and Increase% with intervals."""

from vxai.runtime import log_to, report_errors

log_to(snakemake.log[0])

from vxai.stages.summary import summarize_scores  # noqa: E402

with report_errors():
    summarize_scores(list(snakemake.input.scores), snakemake.params.seed, snakemake.output)
