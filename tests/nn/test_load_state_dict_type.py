"""``load_state_dict`` of something that is not a mapping: torch's TypeError, word for word."""

from __future__ import annotations

import re

import pytest

from netopt import nn


@pytest.mark.parametrize("bad", [[1, 2], "weights", 3, None, (("weight", 1),)])
def test_a_non_mapping_state_dict_raises_torchs_type_error(bad):
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError) as theirs:
        torch.nn.Linear(2, 1).load_state_dict(bad)
    with pytest.raises(TypeError, match=re.escape(str(theirs.value))):
        nn.Linear(2, 1).load_state_dict(bad)


def test_the_message_names_the_type_without_torch():
    with pytest.raises(
        TypeError, match=r"Expected state_dict to be dict-like, got <class 'list'>\."
    ):
        nn.Linear(2, 1).load_state_dict([1, 2])
