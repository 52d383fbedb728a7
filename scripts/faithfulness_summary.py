"""Every metric's summary per dataset and method, with bootstrap intervals, and its plot."""

from vxai.runtime import log_to, report_errors

log_to(snakemake.log[0])

from vxai.stages.summary import summarize_faithfulness  # noqa: E402

with report_errors():
    summarize_faithfulness(dict(snakemake.params.score_tables), snakemake.params.seed,
                           table=snakemake.output.table, figure=snakemake.output.figure)
