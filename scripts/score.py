"""Score one method's maps: per-sample Drop and Increase."""

import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w")

from vxai.runtime import configure_tensorflow, report_errors  # noqa: E402

configure_tensorflow(snakemake.threads)

from vxai.pipeline import score_method  # noqa: E402

with report_errors():
    score_method(
        list(snakemake.input.maps),
        snakemake.input.data,
        snakemake.input.model,
        snakemake.params.keep_fraction,
        snakemake.params.test_samples,
        snakemake.params.batch_size,
        snakemake.output[0],
    )
