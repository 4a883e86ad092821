"""``run_experiments(jobs=N)`` / ``netopt lab --jobs N``: experiments in worker processes.

The results must not depend on the number of workers: every random stream of an
experiment is derived from the seed and the stream's name only. A crash in a worker is
recorded like a crash in the process, and the other experiments still run.
"""

from __future__ import annotations

import pytest

from netopt.cli import main
from netopt.lab import load_experiments, runner, select
from netopt.lab.core import Claim, Experiment, Result


def _boom(ctx):
    raise RuntimeError("deliberate failure in a worker")


def _fine(ctx):
    return Result(claims=[Claim("two is even", 2 % 2 == 0, "2 = 2 x 1", kind="check")])


def _plain(run):
    claims = [(c.claim, c.holds, c.evidence, c.kind, c.protocol) for c in run.claims]
    tables = [(t.title, t.columns, t.rows) for t in run.tables]
    return run.error, claims, tables, [f.file_name for f in run.figures], run.summary


def test_two_workers_give_what_one_process_gives():
    chosen = select(load_experiments(), ["entropy", "objectives"])
    alone = runner.run_experiments(chosen, seed=3, quick=True)
    done = []
    parallel = runner.run_experiments(chosen, seed=3, quick=True, jobs=2, on_done=done.append)
    assert [r.experiment.name for r in parallel] == ["entropy", "objectives"]
    assert [r.experiment.name for r in done] == ["entropy", "objectives"]  # in order
    assert [_plain(r) for r in parallel] == [_plain(r) for r in alone]
    assert all(r.claims and r.error is None for r in parallel)


def test_a_crash_in_a_worker_is_recorded_and_the_others_run():
    experiments = [
        Experiment("boom", "Boom", "炸", "slide 0", 1, _boom),
        Experiment("fine", "Fine", "好", "slide 0", 2, _fine),
    ]
    heard = []
    runs = runner.run_experiments(
        experiments, jobs=2, progress=lambda e, f, m: heard.append((e.name, f, m))
    )
    assert runs[0].error == "RuntimeError: deliberate failure in a worker"
    assert "_boom" in runs[0].traceback
    assert runs[1].error is None and runs[1].holding == 1
    assert ("boom", 1.0, "failed") in heard and ("fine", 1.0, "done") in heard


@pytest.mark.parametrize("jobs", [0, -1, 1.5, True])
def test_jobs_must_be_a_positive_integer(jobs):
    with pytest.raises(ValueError, match=rf"jobs must be an integer >= 1, got {jobs!r}"):
        runner.run_experiments([], jobs=jobs)


def test_jobs_zero_is_a_usage_error(capsys, tmp_path):
    assert main(["lab", "entropy", "--jobs", "0", "--out", str(tmp_path)]) == 2
    assert "--jobs must be >= 1, got 0" in capsys.readouterr().err


def test_experiments_a_worker_cannot_import_run_in_this_process():
    def local(ctx):  # a local function cannot be sent to a worker by name
        return Result(claims=[Claim("three is odd", 3 % 2 == 1, "3 = 2 x 1 + 1", kind="check")])

    experiments = [Experiment("here", "Here", "此", "slide 0", 1, local)]
    experiments.append(Experiment("fine", "Fine", "好", "slide 0", 2, _fine))
    runs = runner.run_experiments(experiments, jobs=2)
    assert [(r.error, r.holding) for r in runs] == [(None, 1), (None, 1)]
