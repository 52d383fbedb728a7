"""Each method's rank under every metric, the metrics' agreement and their checks."""

from vxai.runtime import log_to, report_errors

log_to(snakemake.log[0])

from vxai.stages.summary import check_metrics  # noqa: E402

with report_errors():
    check_metrics(dict(snakemake.params.score_tables), snakemake.params.seed,
                  **dict(snakemake.output.items()))
