"""Import the pretrained HMT model (legacy HDF5) after checking its shapes."""

import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w")

from vxai.runtime import configure_tensorflow, report_errors  # noqa: E402

configure_tensorflow(snakemake.threads)

from vxai.models.recipes import import_pretrained  # noqa: E402

with report_errors():
    import_pretrained(snakemake.input.h5, snakemake.output.model, snakemake.output.info)
