"""Atomic writers leave nothing half-written behind, even when the job is stopped."""

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np

from vxai.io import save_npz

WRITER = textwrap.dedent("""
    import sys, time
    from vxai.io import atomic_path
    from vxai.runtime import report_errors

    with report_errors():
        with atomic_path(sys.argv[1]) as tmp:
            tmp.write_bytes(b"half")
            print("writing", flush=True)
            time.sleep(60)
""")


def test_a_sigterm_during_a_write_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "out" / "shard0.npz"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(target)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert writer.stdout.readline() == "writing\n"
    assert list(target.parent.iterdir())  # the temporary file exists while it writes
    writer.send_signal(signal.SIGTERM)
    assert writer.wait(timeout=30) == 128 + signal.SIGTERM
    assert "SIGTERM" in writer.stderr.read()
    assert list(target.parent.iterdir()) == []


def test_a_killed_writers_temporary_file_is_removed_by_the_next_writer(tmp_path):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    orphan = tmp_path / f".shard0.tmp-{finished.stdout.strip()}.npz"
    running = tmp_path / f".shard0.tmp-{os.getppid()}.npz"  # a live process: left alone
    other = tmp_path / f".shard1.tmp-{finished.stdout.strip()}.npz"  # another output's
    for path in (orphan, running, other):
        path.write_bytes(b"half")
    save_npz(tmp_path / "shard0.npz", maps=np.zeros(3))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["shard0.npz", running.name, other.name])
