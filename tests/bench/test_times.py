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


def test_a_job_logs_the_passes_it_issued_and_the_bench_reads_them(tmp_path, capsys):
    """RISE's masked passes and a gradient method's passes reach the `passes:` line that a
    job's script prints on success, and bench/run.py pairs it with the job's wall time."""
    import numpy as np

    from run import job_passes
    from small_models import small_cnn
    from vxai import passes
    from vxai.methods import get_method
    from vxai.runtime import report_errors

    model = small_cnn(1)
    x = np.zeros((3, *model.input_shape[1:]), np.float32)
    passes.COUNTS.clear()
    with report_errors():
        get_method("rise")(model, masks=10, batch_size=4).explain(x, [0, 1, 2])
        get_method("integrated_gradients")(model, steps=7).explain(x, [0, 1, 2])
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line == "passes: forward 30, gradient 24, head 0"  # 3 x 10 masks, 3 x (7 + 1)
    log = tmp_path / "logs" / "hmt" / "explain" / "rise_shard0.log"
    log.parent.mkdir(parents=True)
    log.write_text(f"rise: 3 maps\n{line}\n")
    bench = tmp_path / "benchmarks" / "hmt" / "explain" / "rise_shard0.tsv"
    bench.parent.mkdir(parents=True)
    bench.write_text("s\th:m:s\n12.5\t0:00:12\n")
    (tmp_path / "logs" / "hmt" / "evaluate.log").write_text("no passes line\n")
    assert {str(k): v for k, v in job_passes(tmp_path).items()} == {
        "hmt/explain/rise_shard0": (30, 24, 0, 12.5)}


def test_the_appendix_sums_wall_time_and_passes_per_rule(tmp_path):
    """job_costs pairs each benchmark file with its job's log: jobs of a folder form one rule,
    a job without a `passes:` line counts none, rules come by wall time, most first."""
    from vxai.report import job_costs

    runs = {"hmt/explain/rise_shard0": (4.0, "passes: forward 30, gradient 0, head 0"),
            "hmt/explain/gradcam_shard0": (1.5, "passes: forward 0, gradient 8, head 2"),
            "hmt/evaluate": (9.0, "evaluated"), "data/hmt": (2.0, None)}
    benchmarks = {}
    for job, (seconds, line) in runs.items():
        bench = tmp_path / "benchmarks" / f"{job}.tsv"
        bench.parent.mkdir(parents=True, exist_ok=True)
        bench.write_text(f"s\th:m:s\n{seconds}\t0:00:0{int(seconds)}\n")
        if line:
            log = tmp_path / "logs" / f"{job}.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_text(f"something\n{line}\n")
        benchmarks[job] = str(bench)
    jobs, rules = job_costs(benchmarks)
    assert [(j["job"], j["forward"], j["gradient"], j["head"]) for j in jobs] == [
        ("hmt/explain/rise_shard0", 30, 0, 0), ("hmt/explain/gradcam_shard0", 0, 8, 2),
        ("hmt/evaluate", 0, 0, 0), ("data/hmt", 0, 0, 0)]
    assert rules == [
        {"rule": "hmt/evaluate", "jobs": 1, "seconds": 9.0, "forward": 0, "gradient": 0, "head": 0},
        {"rule": "hmt/explain", "jobs": 2, "seconds": 5.5, "forward": 30, "gradient": 8, "head": 2},
        {"rule": "data/hmt", "jobs": 1, "seconds": 2.0, "forward": 0, "gradient": 0, "head": 0}]
