"""Draw the gallery of every method's maps for one test sample per class."""

from vxai.runtime import log_to, report_errors

log_to(snakemake.log[0])

from vxai.figures import maps_gallery  # noqa: E402

with report_errors():
    maps_gallery(
        data=snakemake.input.data,
        predictions=snakemake.input.predictions,
        maps=dict(snakemake.params.maps),
        test_samples=snakemake.params.test_samples,
        output=snakemake.output[0],
    )
