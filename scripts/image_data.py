"""Read your own images (train/<class>/, test/<class>/) into arrays and a manifest."""

from vxai.runtime import log_to, report_errors

log_to(snakemake.log[0])

from vxai.data.images import extract_images  # noqa: E402
from vxai.io import save_csv, save_npz  # noqa: E402

with report_errors():
    arrays, manifest = extract_images(
        snakemake.input.source,
        snakemake.params.class_names,
        f"datasets: {snakemake.wildcards.dataset}: source",
    )
    save_csv(snakemake.output.manifest, manifest)
    save_npz(snakemake.output.arrays, **arrays)
    print(manifest.groupby(["split", "class"]).size().to_string())
