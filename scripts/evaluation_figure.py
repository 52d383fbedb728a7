"""Draw one evaluation figure (curves, roc, confusion or cases)."""

from vxai.runtime import log_to, report_errors

log_to(snakemake.log[0])

from vxai.figures import evaluation_figure  # noqa: E402

with report_errors():
    evaluation_figure(
        snakemake.wildcards.figure, snakemake.input, snakemake.params.test_samples, snakemake.output[0]
    )
