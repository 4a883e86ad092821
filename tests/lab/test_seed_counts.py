"""A finding's paired count reads "N of M seeds": core.seed_count, and Claim's check that
the evidence states the count its protocol's ``per_seed`` list gives.

(Every experiment's findings are checked the same way from their results.json document in
tests/lab/experiments/conftest.py.)
"""

import pytest

from netopt.lab.core import Claim, seed_count

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
