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
        keep_fraction=snakemake.params.keep_fraction,
        test_samples=snakemake.params.test_samples,
        batch_size=snakemake.params.batch_size,
        seed=snakemake.params.seed,
        output=snakemake.output.scores,
        metrics={name: dict(settings) for name, settings in snakemake.params.metrics.items()},
        curves_output=snakemake.output.curves,
        method=snakemake.wildcards.method,
        method_params=dict(snakemake.params.method_params),
        explain_seed=snakemake.params.explain_seed,
    )
    sanity_check(
        snakemake.input.data,
        snakemake.input.model,
        snakemake.wildcards.method,
        dict(snakemake.params.method_params),
        test_samples=snakemake.params.test_samples,
        n_samples=snakemake.params.sanity_samples,
        batch_size=snakemake.params.batch_size,
        seed=snakemake.params.seed,
        output=snakemake.output.sanity,
    )
