"""The probe: real-style torch scripts run with only their imports pointed at netopt.

Each script of ``scripts/`` (written after pytorch/tutorials, pytorch/examples, d2l's
optimization chapter and micrograd's tests; data from ``load_digits`` or NumPy, weights set
from NumPy so both libraries start equal) is run in a fresh interpreter as
``probe.to_netopt`` rewrites it, and every number it prints must equal torch's (golden
file ``tests/golden/torch_compat_probe.json``, made by ``tests/golden/make_torch_compat.py``)
to ``probe.RTOL``. A script that needs what netopt does not have yet is an expected
failure (strict: it fails the suite once it starts to pass), with the reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from . import probe

GOLDEN = json.loads(
    (Path(__file__).parents[1] / "golden" / "torch_compat_probe.json").read_text(encoding="utf-8")
)["stdout"]

#: Scripts that need what netopt does not have yet: name -> the reason (none at present).
MISSING: dict[str, str] = {}

SCRIPTS = sorted(p.stem for p in probe.SCRIPTS.glob("*.py"))


def _param(name: str):
    if name in MISSING:
        return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=MISSING[name]))
    return name


def test_every_script_has_torchs_output():
    assert sorted(GOLDEN) == SCRIPTS
    assert len(SCRIPTS) >= 15


@pytest.mark.parametrize("name", [_param(n) for n in SCRIPTS])
def test_script_prints_torchs_numbers(name):
    source = (probe.SCRIPTS / f"{name}.py").read_text(encoding="utf-8")
    result = probe.run(probe.to_netopt(source))
    assert result.returncode == 0, result.stderr[-3000:]
    difference = probe.compare(GOLDEN[name], result.stdout)
    assert difference is None, f"{name}: {difference}"


@pytest.mark.parametrize(
    ("line", "rewritten"),
    [
        ("import torch", "import netopt as torch"),
        ("import torch.nn as nn", "import netopt.nn as nn"),
        ("import torch.nn.functional as F", "import netopt.nn.functional as F"),
        ("from torch import nn, optim", "from netopt import nn, optim"),
        ("from torch.utils.data import DataLoader", "from netopt.utils.data import DataLoader"),
        ("    import torch", "    import netopt as torch"),
        ("x = torch.zeros(2)  # import torch", "x = torch.zeros(2)  # import torch"),
        ("import torchvision", "import torchvision"),
    ],
)
def test_only_import_lines_change(line, rewritten):
    assert probe.to_netopt(line) == rewritten + "\n"


def test_compare_reports_the_first_difference():
    assert probe.compare("loss 1.0 2.5e-3", "loss 1.0000001 0.0025") is None
    assert probe.compare("a 1.0", "a 1.1") == "number 0: torch 1.0, netopt 1.1"
    assert probe.compare("a 1 2", "a 1") == "torch printed 2 numbers, netopt 1"
    assert probe.numbers("MulBackward0 x1 -3.5 tensor([1., 2.])") == [-3.5, 1.0, 2.0]
