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
        test_samples=snakemake.params.test_samples,
        n_shards=snakemake.params.n_shards,
        shard=int(snakemake.wildcards.shard),
        batch_size=snakemake.params.batch_size,
        seed=snakemake.params.seed,
        output=snakemake.output[0],
        method_samples=snakemake.params.method_samples,
    )
