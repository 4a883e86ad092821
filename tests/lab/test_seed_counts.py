"""A finding's paired count reads "N of M seeds": core.seed_count, and Claim's check that
the evidence states the count its protocol's ``per_seed`` list gives.

(Every experiment's findings are checked the same way from their results.json document in
tests/lab/experiments/conftest.py.)
"""

import pytest

from netopt.lab.core import Claim, Experiment, Result, seed_count
from netopt.lab.page import render_page
from netopt.lab.report import results_document, run_metadata
from netopt.lab.runner import ExperimentRun

TUNING = {"tuning": "none", "statistic": "every seed"}


def test_seed_count_counts_the_seeds_that_held():
    assert seed_count([True, False, True, True]) == "3 of 4 seeds"
    assert seed_count([]) == "0 of 0 seeds"


def test_a_finding_states_the_count_of_its_per_seed_list():
    protocol = {"seeds": 3, **TUNING, "per_seed": [True, False, True]}
    claim = Claim(
        "x wins", False, "holds on 2 of 3 seeds; median 0.4", kind="finding", protocol=protocol
    )
    assert claim.protocol["per_seed"] == [True, False, True]


@pytest.mark.parametrize(
    "per_seed, evidence, message",
    [
        ([True, False, True], "holds on 2/3 seeds", "must state '2 of 3 seeds'"),
        ([True, False, True], "holds on 3 of 3 seeds", "must state '2 of 3 seeds'"),
        ([True, True, True], "3 of 3 runs", "must state '3 of 3 seeds'"),
        ([True, True], "2 of 2 seeds", r"list of 3 bools \(one per seed\)"),
        ([1, 1, 0], "2 of 3 seeds", "must hold bools"),
        ("yes", "1 of 3 seeds", "list of 3 bools"),
    ],
)
def test_a_wrong_per_seed_or_count_is_refused(per_seed, evidence, message):
    protocol = {"seeds": 3, **TUNING, "per_seed": per_seed}
    with pytest.raises(ValueError, match=message):
        Claim("x wins", True, evidence, kind="finding", protocol=protocol)


def test_the_page_lists_each_seed_and_results_json_keeps_the_list():
    held = [True, False, True]
    claim = Claim(
        "x wins",
        True,
        f"holds on {seed_count(held)}",
        kind="finding",
        protocol={"seeds": 3, **TUNING, "per_seed": held},
    )
    exp = Experiment("counted", "Counted", "计数", "none", 1, lambda ctx: Result(claims=[claim]))
    run = ExperimentRun(exp, claims=[claim])
    meta = run_metadata(seed=0, quick=True, started="-", total_seconds=0.0)
    page = render_page([run], meta)
    assert "<dt>per seed:</dt><dd>held, failed, held</dd>" in page
    stored = results_document([run], meta)["experiments"][0]["claims"][0]
    assert stored["protocol"]["per_seed"] == held and "2 of 3 seeds" in stored["evidence"]
