"""Extract the HMT tiles from a folder or zip into arrays and a manifest."""

from vxai.runtime import log_to, report_errors

log_to(snakemake.log[0])

from vxai.data.hmt import extract  # noqa: E402
from vxai.io import save_csv, save_npz  # noqa: E402

with report_errors():
    arrays, manifest = extract(
        snakemake.input.source, snakemake.params.test_per_class, snakemake.params.seed
    )
    save_csv(snakemake.output.manifest, manifest)
    save_npz(snakemake.output.arrays, compress=False, **arrays)  # pixels barely compress
    print(manifest.groupby(["split", "class"]).size().to_string())
