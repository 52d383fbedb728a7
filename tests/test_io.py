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
    target = tmp_path / "shard0.npz"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(target)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert writer.stdout.readline() == "writing\n"
    [live] = tmp_path.iterdir()
    reused = tmp_path / f".shard0.tmp-{os.getppid()}-1.npz"  # a live pid, another start time
    other = tmp_path / f".shard1.tmp-{os.getppid()}-1.npz"  # another output's
    for path in (reused, other):
        path.write_bytes(b"half")
    save_npz(target, maps=np.zeros(3))  # the running writer's file is left alone
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([target.name, live.name, other.name])
    writer.kill()
    writer.wait(timeout=30)
    save_npz(target, maps=np.ones(3))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([target.name, other.name])
    writer.stdout.close()
    writer.stderr.close()


def test_the_library_goes_first_on_pythonpath_and_the_users_entries_stay(monkeypatch):
    from vxai.runtime import prepend_pythonpath

    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(["/plugins", "", "/src", "/more"]))
    prepend_pythonpath("/src")
    assert os.environ["PYTHONPATH"] == os.pathsep.join(["/src", "/plugins", "/more"])
    monkeypatch.delenv("PYTHONPATH")
    prepend_pythonpath("/src")
    assert os.environ["PYTHONPATH"] == "/src"
