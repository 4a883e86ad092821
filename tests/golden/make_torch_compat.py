"""torch's printed output of every probe script of ``tests/torch_compat/scripts/``.

Run ``.venv/bin/python tests/golden/make_torch_compat.py`` to rewrite
``tests/golden/torch_compat_probe.json`` (torch 2.13, CPU): ``{script name: stdout}``.
``tests/torch_compat/test_probe.py`` runs each script with only its imports pointed at
netopt and compares the numbers it prints with these.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "torch_compat_probe.json"
sys.path.insert(0, str(HERE.parent / "torch_compat"))

import probe  # noqa: E402


def main() -> None:
    import torch

    out = {"torch_version": torch.__version__, "stdout": {}}
    for path in sorted(probe.SCRIPTS.glob("*.py")):
        result = probe.run(path.read_text(encoding="utf-8"))
        if result.returncode:
            raise SystemExit(f"{path.name} failed under torch:\n{result.stderr}")
        out["stdout"][path.stem] = result.stdout
        print(path.stem, len(probe.numbers(result.stdout)), "numbers")
    GOLDEN.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
