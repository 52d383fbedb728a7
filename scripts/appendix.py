"""Render the HTML and LaTeX results appendices from the pipeline's tables and figures."""

from vxai.runtime import log_to, report_errors

log_to(snakemake.log[0])

from vxai.report import render_appendix  # noqa: E402

with report_errors():
    render_appendix(
        dict(snakemake.params.files),
        dict(snakemake.params.config),
        list(snakemake.params.datasets),
        snakemake.output.html,
        snakemake.output.tex,
        snakemake.output.bib,
    )
