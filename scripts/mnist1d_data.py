"""Generate MNIST-1D with the mnist1d package."""

from vxai.runtime import log_to, report_errors

log_to(snakemake.log[0])

from vxai.data.mnist1d import generate  # noqa: E402
from vxai.io import save_npz  # noqa: E402

with report_errors():
    arrays = generate(dict(snakemake.params.generate))
    save_npz(snakemake.output[0], **arrays)
    print(f"train {arrays['x'].shape}, test {arrays['x_test'].shape}")
