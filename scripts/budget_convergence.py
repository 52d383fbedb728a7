"""Drop%, ROAD and reproducibility against the budget of every method that has one."""

from vxai.runtime import configure_tensorflow, log_to, report_errors

log_to(snakemake.log[0])
configure_tensorflow(snakemake.threads, snakemake.params.seed)

from vxai.stages.convergence import budget_convergence  # noqa: E402

with report_errors():
    budget_convergence(
        snakemake.input.data,
        snakemake.input.model,
        dict(snakemake.params.methods),
        list(snakemake.params.budgets),
        snakemake.params.samples,
        snakemake.params.test_samples,
        snakemake.params.keep_fraction,
        snakemake.params.batch_size,
        snakemake.params.seed,
        snakemake.output.table,
        snakemake.output.figure,
        snakemake.params.road,
        snakemake.params.method_budgets,
    )
