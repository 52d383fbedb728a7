"""Draw the gallery of every method's maps for one test sample per class."""

from vxai.runtime import log_to, report_errors

log_to(snakemake.log[0])

from vxai.figures import maps_gallery  # noqa: E402

with report_errors():
    maps_gallery(
        snakemake.wildcards.dataset,
        snakemake.input,
        snakemake.params.methods,
        snakemake.params.test_samples,
        snakemake.params.input_size,
        snakemake.output[0],
    )
