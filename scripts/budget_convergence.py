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
        budgets=list(snakemake.params.budgets),
        samples=snakemake.params.samples,
        test_samples=snakemake.params.test_samples,
        keep_fraction=snakemake.params.keep_fraction,
        batch_size=snakemake.params.batch_size,
        seed=snakemake.params.seed,
        table_path=snakemake.output.table,
        figure_path=snakemake.output.figure,
        road=snakemake.params.road,
        method_budgets=snakemake.params.method_budgets,
    )
