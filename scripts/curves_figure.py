"""Draw the mean deletion and insertion curves of every method of a dataset."""

from vxai.runtime import log_to, report_errors

log_to(snakemake.log[0])

from vxai.figures import curves_figure  # noqa: E402

with report_errors():
    curves_figure(dict(snakemake.params.curves), snakemake.output[0])
