"""Explain one shard of a dataset's test subset with one attribution method."""

from vxai.runtime import configure_tensorflow, log_to, report_errors

log_to(snakemake.log[0])
configure_tensorflow(snakemake.threads, snakemake.params.seed)

from vxai.stages.explain import explain_shard  # noqa: E402

with report_errors():
    explain_shard(
        snakemake.input.data,
        snakemake.input.model,
        snakemake.wildcards.method,
        dict(snakemake.params.method_params),
        snakemake.params.test_samples,
        snakemake.params.n_shards,
        int(snakemake.wildcards.shard),
        snakemake.params.batch_size,
        snakemake.params.seed,
        snakemake.output[0],
        snakemake.params.method_samples,
    )
