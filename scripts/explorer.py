"""Build the map explorer: a static page to browse every explained test sample."""

from vxai.runtime import log_to, report_errors

log_to(snakemake.log[0])

from vxai.explorer import build_explorer  # noqa: E402

with report_errors():
    build_explorer(
        {dataset: dict(files) for dataset, files in snakemake.params.datasets.items()},
        snakemake.params.template,
        snakemake.output[0],
    )
