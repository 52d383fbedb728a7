"""Draw one evaluation figure (curves, roc, confusion or cases)."""

import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w")

from vxai.figures import evaluation_figure  # noqa: E402
from vxai.runtime import report_errors  # noqa: E402

with report_errors():
    evaluation_figure(
        snakemake.wildcards.figure, snakemake.input, snakemake.params.test_samples, snakemake.output[0]
    )
