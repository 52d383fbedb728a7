"""Score one method: Drop/Increase and curves of its maps, and the randomization sanity check."""

from vxai.runtime import configure_tensorflow, log_to, report_errors

log_to(snakemake.log[0])
configure_tensorflow(snakemake.threads)

from vxai.stages.score import sanity_check, score_method  # noqa: E402

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
        {name: dict(settings) for name, settings in snakemake.params.metrics.items()},
        snakemake.output.curves,
        snakemake.wildcards.method,
        dict(snakemake.params.method_params),
        snakemake.params.explain_seed,
    )
    sanity_check(
        snakemake.input.data,
        snakemake.input.model,
        snakemake.wildcards.method,
        dict(snakemake.params.method_params),
        snakemake.params.test_samples,
        snakemake.params.sanity_samples,
        snakemake.params.batch_size,
        snakemake.params.seed,
        snakemake.output.sanity,
    )
