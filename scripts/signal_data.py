"""Check your own signal file and write it as the arrays every stage takes."""

from vxai.runtime import log_to, report_errors

log_to(snakemake.log[0])

from vxai.data.signals import load_signals  # noqa: E402
from vxai.io import save_npz  # noqa: E402

with report_errors():
    arrays = load_signals(snakemake.input.source, snakemake.params.class_names)
    save_npz(snakemake.output[0], **arrays)
    print(f"train {arrays['x'].shape}, test {arrays['x_test'].shape}, "
          f"classes {list(arrays['class_names'])}")
