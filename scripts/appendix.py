"""Render the HTML results appendix from the pipeline's tables and figures."""

import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w")

from vxai.report import render_appendix  # noqa: E402
from vxai.runtime import report_errors  # noqa: E402

with report_errors():
    render_appendix(
        snakemake.input,
        dict(snakemake.params.config),
        list(snakemake.params.datasets),
        dict(snakemake.params.methods),
        snakemake.output[0],
    )
