"""Extract the HMT tiles from a folder or zip into arrays and a manifest."""

import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w")

from vxai.data.hmt import extract  # noqa: E402
from vxai.io import save_csv, save_npz  # noqa: E402
from vxai.runtime import report_errors  # noqa: E402

with report_errors():
    arrays, manifest = extract(
        snakemake.input.source, snakemake.params.test_per_class, snakemake.params.seed
    )
    save_csv(snakemake.output.manifest, manifest)
    save_npz(snakemake.output.arrays, **arrays)
    print(manifest.groupby(["split", "class"]).size().to_string())
