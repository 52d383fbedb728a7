"""Generate MNIST-1D with the mnist1d package."""

import sys

sys.stderr = sys.stdout = open(snakemake.log[0], "w")

from vxai.data.mnist1d import generate  # noqa: E402
from vxai.io import save_npz  # noqa: E402
from vxai.runtime import report_errors  # noqa: E402

with report_errors():
    arrays = generate(dict(snakemake.params.generate))
    save_npz(snakemake.output[0], **arrays)
    print(f"train {arrays['x'].shape}, test {arrays['x_test'].shape}")
