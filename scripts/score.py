"""Score one method's maps: per-sample Drop and Increase."""

from vxai.runtime import configure_tensorflow, log_to, report_errors

log_to(snakemake.log[0])
configure_tensorflow(snakemake.threads)

from vxai.pipeline import score_method  # noqa: E402

with report_errors():
    score_method(
        list(snakemake.input.maps),
        snakemake.input.data,
        snakemake.input.model,
        snakemake.params.keep_fraction,
        snakemake.params.test_samples,
        snakemake.params.batch_size,
        snakemake.params.seed,
        snakemake.output.scores,
        dict(snakemake.params.curves),
        snakemake.output.curves,
    )
