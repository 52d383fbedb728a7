"""The sentences and tables of 'Which method can I trust on this model?'."""

from vxai.runtime import log_to, report_errors

log_to(snakemake.log[0])

from vxai.stages.trust import write_trust  # noqa: E402

with report_errors():
    write_trust(snakemake.input.criteria, snakemake.input.paired, snakemake.input.checks,
                list(snakemake.params.datasets), faithfulness=snakemake.input.faithfulness,
                output=snakemake.output[0])
