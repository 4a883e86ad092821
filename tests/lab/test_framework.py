"""The lab's framework: registry, context, experiment decorator, isolated runner."""

import subprocess
import sys

import numpy as np
import pytest

from netopt.lab import core, registry, runner
from netopt.lab.core import Claim, Context, Experiment, FigureSpec, Result, Table
from netopt.lab.plotting import figure


def _ok(ctx):
    return Result(claims=[Claim("one plus one is two", 1 + 1 == 2, "1 + 1 = 2", kind="check")])


def _boom(ctx):
    raise RuntimeError("deliberate failure <b>")


def _exp(name, run, order=50):
    return Experiment(name, name.title(), "测试", "slide 0", order, run)


# --- registry ---------------------------------------------------------------------------


def test_modules_in_chapter_order():
    assert registry.EXPERIMENT_MODULES == (
        "entropy",
        "objectives",
        "descent",
        "learning_rate",
        "activations",
        "gradients",
        "generalization",
    )


def test_load_experiments_sorted_by_order_and_includes_ours():
    experiments = registry.load_experiments()
    orders = [(e.order, e.name) for e in experiments]
    assert orders == sorted(orders)
    names = [e.name for e in experiments]
    for name in ("entropy", "activations", "gradients"):
        assert name in names
    assert {e.name: e.order for e in experiments}["entropy"] == 1


def test_absent_module_is_skipped():
    experiments = registry.load_experiments(("entropy", "no_such_experiment_module"))
    assert "entropy" in [e.name for e in experiments]


def test_broken_module_is_not_hidden(tmp_path, monkeypatch):
    (tmp_path / "broken_lab_module.py").write_text("import netopt_missing_dependency_xyz\n")
    package = sys.modules["netopt.lab.experiments"]
    monkeypatch.setattr(package, "__path__", [*package.__path__, str(tmp_path)])
    monkeypatch.delitem(sys.modules, "netopt.lab.experiments.broken_lab_module", raising=False)
    with pytest.raises(ModuleNotFoundError, match="netopt_missing_dependency_xyz"):
        registry.load_experiments(("broken_lab_module",))


def test_select_keeps_chapter_order_and_names_unknown():
    experiments = registry.load_experiments()
    chosen = registry.select(experiments, ["gradients", "entropy", "entropy"])
    assert [e.name for e in chosen] == ["entropy", "gradients"]
    assert registry.select(experiments, []) == experiments
    with pytest.raises(ValueError, match=r"unknown experiments 'nope', 'nada'; valid names: "):
        registry.select(experiments, ["nope", "entropy", "nada"])


# --- decorator and Experiment -----------------------------------------------------------


def test_decorator_registers_and_returns_function(monkeypatch):
    monkeypatch.setattr(core, "REGISTRY", {})
    decorated = core.experiment(name="tmp_ok", title="T", title_zh="测", reference="r", order=3)(
        _ok
    )
    assert decorated is _ok
    assert core.REGISTRY["tmp_ok"] == Experiment("tmp_ok", "T", "测", "r", 3, _ok)
    # the same function again (a module reload) replaces itself; another function may not
    core.experiment(name="tmp_ok", title="T2", title_zh="测", reference="r", order=3)(_ok)
    assert core.REGISTRY["tmp_ok"].title == "T2"
    with pytest.raises(ValueError, match="already registered"):
        core.experiment(name="tmp_ok", title="T", title_zh="测", reference="r", order=3)(_boom)


@pytest.mark.parametrize(
    ("name", "order", "message"),
    [
        ("Bad Name", 1, "Invalid experiment name"),
        ("with-hyphen", 1, "Invalid experiment name"),
        ("", 1, "Invalid experiment name"),
        ("fine", 1.5, "Invalid experiment order"),
        ("fine", True, "Invalid experiment order"),
    ],
)
def test_invalid_experiment_identity(name, order, message):
    with pytest.raises(ValueError, match=message):
        core.experiment(name=name, title="t", title_zh="t", reference="r", order=order)
    with pytest.raises(ValueError, match=message):
        Experiment(name, "t", "t", "r", order, _ok)


# --- context ----------------------------------------------------------------------------


def test_rng_depends_only_on_seed_and_name():
    a = Context(seed=7).rng("init").random(5)
    Context(seed=7).rng("other").random(100)  # other streams do not disturb it
    assert np.array_equal(a, Context(seed=7, quick=True).rng("init").random(5))
    assert not np.array_equal(a, Context(seed=7).rng("data").random(5))
    assert not np.array_equal(a, Context(seed=8).rng("init").random(5))


@pytest.mark.parametrize("seed", [-1, True, 1.0, "0"])
def test_context_rejects_bad_seed(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        Context(seed=seed)


def test_context_rejects_empty_rng_name():
    with pytest.raises(ValueError, match="rng name"):
        Context().rng("")


def test_progress_is_clamped_and_optional():
    seen = []
    ctx = Context(progress=lambda f, m: seen.append((f, m)))
    ctx.progress(-1.0)
    ctx.progress(0.5, "half")
    ctx.progress(7)
    ctx.progress(float("nan"))
    assert seen == [(0.0, ""), (0.5, "half"), (1.0, ""), (0.0, "")]
    Context().progress(0.5, "nobody listens")  # no callback: nothing happens


# --- runner -----------------------------------------------------------------------------


def test_failing_experiment_is_isolated_and_reported():
    events = []
    runs = runner.run_experiments(
        [_exp("first", _boom, 1), _exp("second", _ok, 2)],
        seed=3,
        progress=lambda e, f, m: events.append((e.name, f, m)),
    )
    failed, fine = runs
    assert failed.error == "RuntimeError: deliberate failure <b>"
    assert "Traceback" in failed.traceback and "_boom" in failed.traceback
    assert failed.claims == [] and failed.figures == []
    assert fine.error is None and fine.holding == 1 and fine.seconds >= 0
    assert events[0] == ("first", 0.0, "starting") and ("first", 1.0, "failed") in events
    assert events[-1] == ("second", 1.0, "done")


def _bad_holds(ctx):
    return Result(claims=[Claim("x", "yes", "e", kind="check")])


def _bad_row(ctx):
    return Result(claims=[], tables=[Table("t", ["a", "b"], [[1]])])


def _bad_figure_name(ctx):
    fig, _ = figure()
    return Result(claims=[], figures=[FigureSpec("Bad Name", fig, "c")])


def _twice_named(ctx):
    return Result(
        claims=[],
        figures=[FigureSpec("same", figure()[0], "c"), FigureSpec("same", figure()[0], "c")],
    )


def _bad_cell(ctx):
    return Result(claims=[], tables=[Table("t", ["a"], [[object()]])])


@pytest.mark.parametrize(
    ("run", "message"),
    [
        (lambda ctx: None, "TypeError: an experiment must return a Result"),
        (_bad_holds, "Claim.holds must be a bool"),
        (_bad_row, "has 1 cells for 2 columns"),
        (_bad_figure_name, "Invalid figure name"),
        (_twice_named, "figure names used twice"),
        (_bad_cell, "table cells are str, int, float or bool"),
    ],
)
def test_malformed_results_become_errors(run, message):
    (outcome,) = runner.run_experiments([_exp("malformed", run)])
    assert outcome.error is not None and message in outcome.error


def test_numpy_values_are_made_plain_and_figures_rendered():
    def numpy_result(ctx):
        fig, ax = figure()
        ax.plot([0, 1], [1, 0])
        return Result(
            claims=[Claim("c", np.bool_(True), "e", kind="check")],
            tables=[Table("t", ["a", "b", "c"], [[np.float32(0.5), np.int64(3), np.bool_(0)]])],
            figures=[FigureSpec("line", fig, "Cf. figure 0")],
        )

    (outcome,) = runner.run_experiments([_exp("plain", numpy_result)])
    assert outcome.error is None
    assert outcome.claims[0].holds is True
    cells = outcome.tables[0].rows[0]
    assert cells == [0.5, 3, False] and [type(c) for c in cells] == [float, int, bool]
    (rendered,) = outcome.figures
    assert rendered.file_name == "plain-line.png" and rendered.png.startswith(b"\x89PNG")


def test_pyplot_figures_left_open_are_closed():
    pyplot = pytest.importorskip("matplotlib.pyplot")

    def leaky(ctx):
        pyplot.figure()
        raise ValueError("left a figure open")

    before = len(pyplot.get_fignums())
    (outcome,) = runner.run_experiments([_exp("leaky", leaky)])
    assert outcome.error == "ValueError: left a figure open"
    assert len(pyplot.get_fignums()) == before


def test_loading_experiments_imports_no_plotting_library():
    code = (
        "import sys, netopt.lab; netopt.lab.load_experiments();"
        "print([m for m in ('matplotlib', 'rich', 'torch') if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"imported eagerly: {result.stdout}"


# --- claim kinds ------------------------------------------------------------------------

PROTOCOL = {"seeds": 5, "tuning": "none", "statistic": "paired: >= 4 of 5 seeds"}


def test_claim_kind_and_protocol_are_keyword_only_and_kept():
    finding = Claim("a wins", True, "5 of 5 seeds", kind="finding", protocol=dict(PROTOCOL))
    assert (finding.kind, finding.protocol) == ("finding", PROTOCOL)
    assert Claim("1 = 1", True, "1", kind="check").protocol is None
    with pytest.raises(TypeError):
        Claim("1 = 1", True, "1", "check")  # kind is keyword-only


@pytest.mark.parametrize(
    ("kind", "protocol", "message"),
    [
        ("fact", None, "kind must be 'check' or 'finding', got 'fact'"),
        ("check", PROTOCOL, "check 'c' takes no protocol"),
        ("finding", None, "finding 'c' needs a protocol dict with 'seeds', 'tuning'"),
        ("finding", {"seeds": 3, "tuning": "none"}, "needs a protocol dict"),
        ("finding", {**PROTOCOL, "seeds": 0}, "protocol seeds must be a positive int, got 0"),
        ("finding", {**PROTOCOL, "seeds": True}, "protocol seeds must be a positive int"),
        ("finding", {**PROTOCOL, "grid": {"lr": 1}}, "protocol 'grid' must be str, int"),
    ],
)
def test_bad_kind_or_protocol_is_refused_by_name(kind, protocol, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        Claim("c", True, "e", kind=kind, protocol=protocol)


def test_runner_keeps_kind_protocol_and_notes():
    def noted(ctx):
        return Result(
            claims=[Claim("f", True, "e", kind="finding", protocol=dict(PROTOCOL))],
            notes=[core.Note("Eq. 0 is misprinted", "It should read 1 = 1.")],
        )

    run = runner.run_one(_exp("noted", noted))
    assert run.error is None
    assert run.claims[0].protocol == PROTOCOL and run.of_kind("finding") == run.claims
    assert [(n.title, n.text) for n in run.notes] == [
        ("Eq. 0 is misprinted", "It should read 1 = 1.")
    ]


def test_a_note_must_be_a_note():
    run = runner.run_one(_exp("bad_note", lambda ctx: Result(claims=[], notes=["text"])))
    assert run.error == "TypeError: Result.notes holds a str, not a Note"


def test_claim_kind_is_required():
    with pytest.raises(TypeError, match="kind"):
        Claim("unclassified", True, "e")
