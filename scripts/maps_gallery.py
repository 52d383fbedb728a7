"""Draw the gallery of every method's maps for one test sample per class."""

import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w")

from vxai.figures import maps_gallery  # noqa: E402
from vxai.runtime import report_errors  # noqa: E402

with report_errors():
    maps_gallery(
        snakemake.wildcards.dataset,
        snakemake.input,
        snakemake.params.methods,
        snakemake.params.test_samples,
        snakemake.params.input_size,
        snakemake.output[0],
    )
