"""Import a pretrained model (legacy HDF5) after checking its shapes for the dataset."""

from vxai.runtime import configure_tensorflow, log_to, report_errors

log_to(snakemake.log[0])
configure_tensorflow(snakemake.threads)

from vxai.models.recipes import import_pretrained  # noqa: E402

with report_errors():
    import_pretrained(
        snakemake.wildcards.dataset,
        snakemake.params.kind,
        snakemake.input.h5,
        snakemake.input.data,
        snakemake.output.model,
        snakemake.output.info,
    )
