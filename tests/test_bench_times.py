"""bench/run.py --rules-only: the seconds of each metric, read back from the score logs."""

import sys

from conftest import REPO

sys.path.insert(0, str(REPO / "bench"))


def test_metric_times_are_read_from_what_timed_writes(tmp_path, capsys):
    from run import metric_times

    from vxai.runtime import timed

    for dataset, method in (("hmt", "gradcam"), ("hmt", "rise"), ("mnist1d", "gradcam")):
        with timed("ROAD"):
            pass
        with timed("max- and avg-sensitivity"):
            pass
        log = tmp_path / dataset / "score" / f"{method}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("I0000 12:00:01.5 port.cc:153] oneDNN: 1 s\nDrop% 60.78  Increase% 25.00\n"
                       + capsys.readouterr().out)
    times = metric_times(tmp_path)
    assert set(times) == {(d, m) for d in ("hmt", "mnist1d")
                          for m in ("ROAD", "max- and avg-sensitivity")}
    assert len(times[("hmt", "ROAD")]) == 2 and len(times[("mnist1d", "ROAD")]) == 1
    assert all(0 <= s < 1 for seconds in times.values() for s in seconds)
