"""The configured methods a dataset's model can serve (skip_unsupported: true)."""

from vxai.runtime import configure_tensorflow, log_to, report_errors

log_to(snakemake.log[0])
configure_tensorflow(snakemake.threads)

from vxai.stages.support import supported_methods  # noqa: E402

with report_errors():
    supported_methods(
        snakemake.input.model,
        {name: dict(params or {}) for name, params in snakemake.params.methods.items()},
        dataset=snakemake.wildcards.dataset,
        output=snakemake.output[0],
    )
