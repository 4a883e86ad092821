"""Repository-level checks: lint/format, import hygiene, the console command."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import netopt

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("matplotlib", "sklearn", "scipy", "torch", "rich", "safetensors", "mnist1d")


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("command", [("check",), ("format", "--check")])
def test_ruff_is_clean(command):
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed (it is in the test extra)")
    result = _run(ruff, *command, ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_needs_only_numpy():
    code = (
        "import sys, netopt, netopt.nn, netopt.optim, netopt.info, netopt.data, netopt.train,"
        " netopt.diagnose, netopt.ensemble;"
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    result = _run(sys.executable, "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"heavy modules imported eagerly: {result.stdout}"


def test_version_and_help():
    result = _run(sys.executable, "-m", "netopt", "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"netopt {netopt.__version__}"
    result = _run(sys.executable, "-m", "netopt", "--help")
    assert result.returncode == 0
    for sub in ("lab", "info", "diagnose"):
        assert sub in result.stdout


def test_library_never_imports_torch():
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "src" / "netopt").rglob("*.py")
        if "import torch" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_readme_example_trains_a_digits_classifier():
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"## Ten lines\n\n```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    model, digits = namespace["model"], namespace["digits"]
    with netopt.no_grad():
        predicted = model(netopt.tensor(digits.x_test)).data.numpy().argmax(axis=1)
    accuracy = float((predicted == digits.y_test).mean())
    # ten classes: chance is 0.1; a trained 64-128-10 MLP is far above it
    assert accuracy > 0.9, accuracy
