"""``netopt info``: readable tables for two distributions or two CSV columns, clean errors."""

import math
import re

import numpy as np
import pytest
import scipy.stats
from sklearn.metrics import mutual_info_score

from netopt.cli import main

# Printed values have 6 decimals: a value matches when it equals the reference rounded so.


def _run(capsys, *argv):
    status = main(["info", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def _value(out, label):
    """The numbers on the table row whose first cell is ``label``."""
    for line in out.splitlines():
        cells = line.split()
        if cells and cells[0] == label:
            return [c for c in cells[1:] if re.fullmatch(r"-?\d+\.\d{6}|inf", c)]
    raise AssertionError(f"no row {label!r} in:\n{out}")


def _f(x):
    return f"{x:.6f}"


def test_two_distributions_chapter_example(capsys):
    status, out, err = _run(capsys, "--p", "1/2,1/2", "--q", "0.25,0.75")
    assert status == 0 and err == ""
    ln2 = math.log(2)
    h_q = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75))
    assert _value(out, "H(P)") == [_f(ln2)]
    assert _value(out, "H(Q)") == [_f(h_q)]
    assert _value(out, "H(P,Q)") == [_f(ln2 + 0.5 * math.log(4 / 3))]
    assert _value(out, "KL(P||Q)") == [_f(0.5 * math.log(4 / 3))]  # 0.143841
    assert _value(out, "KL(Q||P)") == [_f(0.25 * math.log(0.5) + 0.75 * math.log(1.5))]
    m = [3 / 8, 5 / 8]
    js = 0.5 * scipy.stats.entropy([0.5, 0.5], m) + 0.5 * scipy.stats.entropy([0.25, 0.75], m)
    assert _value(out, "JS(P,Q)") == [_f(js)]
    header = out.splitlines()[0]
    assert header.split()[-1] == "nats"
    # Aligned: every row of the table has the same width as its rule line.
    lines = out.splitlines()
    assert {len(line) for line in lines[2:]} == {len(lines[1])}


def test_base_normalize_infinities_and_p_alone(capsys):
    status, out, _ = _run(capsys, "--p", "1,0", "--q", "0,1", "--base", "2")
    assert status == 0
    assert out.splitlines()[0].split()[-1] == "bits"
    assert _value(out, "KL(P||Q)") == ["inf"]
    assert _value(out, "JS(P,Q)") == [_f(1.0)]
    status, out, _ = _run(capsys, "--p", "1,3", "--q", "2,2", "--normalize", "--base", "10")
    assert status == 0 and "hartleys" in out
    assert _value(out, "KL(P||Q)") == [_f(scipy.stats.entropy([1, 3], [2, 2], base=10))]
    status, out, _ = _run(capsys, "--p", "0.2,0.3,0.5")
    assert status == 0
    assert _value(out, "H(P)") == [_f(scipy.stats.entropy([0.2, 0.3, 0.5]))]
    assert "KL" not in out


@pytest.fixture
def samples_csv(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, size=80)
    y = (x + rng.integers(0, 2, size=80)) % 4
    z = rng.normal(size=80)
    path = tmp_path / "pairs.csv"
    rows = ["x,y,z", *(f"{a},{b},{float(c)!r}" for a, b, c in zip(x, y, z, strict=True))]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path, x, y, z


def test_csv_columns_by_name_and_index(capsys, samples_csv):
    path, x, y, _ = samples_csv
    status, out, err = _run(capsys, "--csv", str(path), "--x", "x", "--y", "y")
    assert status == 0 and err == ""
    n, mx, my = 80, np.unique(x).size, np.unique(y).size
    mxy = np.unique(x * 10 + y).size
    mi = mutual_info_score(x, y)
    correction = (mx + my - mxy - 1) / (2 * n)
    assert _value(out, "I(X;Y)") == [_f(mi), _f(mi + correction)]
    h_x = scipy.stats.entropy(np.unique(x, return_counts=True)[1])
    assert _value(out, "H(X)") == [_f(h_x), _f(h_x + (mx - 1) / (2 * n))]
    assert f"{n} samples" in out and "plug-in" in out and "Miller-Madow" in out
    _, by_index, _ = _run(capsys, "--csv", str(path), "--x", "0", "--y", "1")
    assert by_index.splitlines()[2:] == out.splitlines()[2:]


def test_csv_binning_and_no_header(capsys, samples_csv, tmp_path):
    path, x, _, z = samples_csv
    status, out, _ = _run(capsys, "--csv", str(path), "--x", "z", "--y", "x", "--bins", "4")
    assert status == 0
    # Equal-width bins as numpy.histogram; x (0..2) is binned into 4 bins as well.
    z_bins = np.digitize(z, np.histogram_bin_edges(z, 4)[1:-1])
    x_bins = np.digitize(x, np.histogram_bin_edges(x, 4)[1:-1])
    assert _value(out, "I(X;Y)")[0] == _f(mutual_info_score(z_bins, x_bins))
    bare = tmp_path / "bare.csv"
    bare.write_text("a,1\nb,1\na,2\nb,2\n", encoding="utf-8")
    status, out, _ = _run(capsys, "--csv", str(bare), "--x", "0", "--y", "1", "--no-header")
    assert status == 0
    assert _value(out, "H(X)")[0] == _f(math.log(2))
    assert _value(out, "I(X;Y)")[0] == _f(0.0)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], r"give --p P \[--q Q\], or --csv FILE"),
        (["--p", "0.5,0.4"], r"p must sum to 1 .*got a sum of 0.9; pass --normalize"),
        (["--p", "0.5,x"], r"--p: 'x' is not a number in '0.5,x'"),
        (["--p", "1/0,1"], r"--p: '1/0' is not a number"),
        (["--p", "0.5,0.5", "--q", "0.2,0.3,0.5"], r"shapes must match"),
        (["--p=-0.5,1.5"], r"p has negative entries"),
        (["--p", "0.5,0.5", "--base", "1"], r"base must be .* other than 1"),
        (["--p", "0.5,0.5", "--base", "two"], r"--base: 'two' is not a number"),
        (["--p", "0.5,0.5", "--x", "a"], r"--x cannot be used with --p"),
        (["--q", "0.5,0.5"], r"give --p P"),
        (["--csv", "CSV", "--p", "1"], r"--p cannot be used with --csv"),
        (["--csv", "CSV", "--x", "x"], r"--csv needs both --x COL and --y COL"),
        (["--csv", "CSV", "--x", "w", "--y", "y"], r"--x: no column 'w' \(columns: x, y, z\)"),
        (["--csv", "CSV", "--x", "x", "--y", "7"], r"line 2: 3 columns, no column 7"),
        (["--csv", "CSV", "--x", "x", "--y", "z"], r"y holds non-integer floats.*--bins N"),
        (["--csv", "CSV", "--x", "x", "--y", "z", "--bins", "0"], r"bins must be a positive"),
        (["--csv", "CSV", "--x", "x", "--y", "z", "--bins", "a"], r"--bins: 'a' is not a posit"),
        (["--csv", "MISSING", "--x", "x", "--y", "y"], r"No such file"),
        (["--csv", "DIR", "--x", "x", "--y", "y"], r"cannot read"),
        (["--csv", "GAPPY", "--x", "x", "--y", "y"], r"line 4: empty value in column 1"),
        (["--csv", "WORDS", "--x", "x", "--y", "y", "--bins", "2"], r"--y: 'a' is not a number"),
    ],
)
def test_bad_input_exits_2_with_the_library_message(capsys, samples_csv, tmp_path, argv, message):
    path = samples_csv[0]
    (tmp_path / "gappy.csv").write_text("x,y\n1,2\n\n1,\n", encoding="utf-8")
    (tmp_path / "words.csv").write_text("x,y\n1,a\n2,b\n", encoding="utf-8")
    paths = {
        "CSV": str(path),
        "MISSING": str(tmp_path / "missing.csv"),
        "DIR": str(tmp_path),
        "GAPPY": str(tmp_path / "gappy.csv"),
        "WORDS": str(tmp_path / "words.csv"),
    }
    argv = [paths.get(a, a) for a in argv]
    status, out, err = _run(capsys, *argv)
    assert status == 2 and out == ""
    assert err.startswith("netopt info: error: ")
    assert re.search(message, err), err


def test_help_lists_the_subcommand(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    assert "info" in capsys.readouterr().out
