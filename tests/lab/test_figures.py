"""The lab's figures read well on the page: text >= 8 pt at 1200 px, no legend over data.

Also the helpers that measure it, on hand-made figures.
"""

import pytest

from netopt.lab.core import REGISTRY, Context
from netopt.lab.plotting import (
    DPI,
    PAGE_WIDTH_PX,
    close,
    figure,
    legends_over_data,
    smallest_text_pt,
)
from netopt.lab.registry import load_experiments

load_experiments(
    [
        "entropy",
        "objectives",
        "descent",
        "learning_rate",
        "activations",
        "gradients",
        "generalization",
    ]
)


def test_smallest_text_scales_with_the_page():
    fig, ax = figure(width=2 * PAGE_WIDTH_PX / DPI, height=3.0)  # shown at half size
    ax.set_xlabel("x", fontsize=20)
    ax.tick_params(labelsize=12)
    assert smallest_text_pt(fig) == pytest.approx(6.0)
    close(fig)


def test_a_legend_on_a_line_is_found_and_one_outside_is_not():
    fig, ax = figure()
    ax.plot([0, 1], [0, 1], label="diagonal")
    ax.legend(loc="center")  # the diagonal crosses the centre
    assert legends_over_data(fig) == ["axes"]
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0))
    assert legends_over_data(fig) == []
    close(fig)


def test_a_clipped_part_of_a_line_under_a_legend_below_the_axes_is_not_data():
    fig, ax = figure()
    ax.plot([0, 1, 1, 2], [0.5, 0.5, -0.1, -0.1], label="drops below the axes")
    ax.set_xlim(0, 2)
    ax.set_ylim(0, 1)  # the part at y = -0.1 is clipped away: not drawn below the axes
    ax.legend(loc="upper center", bbox_to_anchor=(0.75, -0.05))  # just where it would be
    assert legends_over_data(fig) == []
    ax.get_lines()[0].set_clip_on(False)  # now the dive is drawn, under the legend
    assert legends_over_data(fig) == ["axes"]
    close(fig)


@pytest.mark.parametrize(
    "name",
    [
        "entropy",
        "objectives",
        "descent",
        "learning_rate",
        "activations",
        "gradients",
        "generalization",
    ],
)
def test_figures_are_legible_at_1200_px(name):
    result = REGISTRY[name].run(Context(seed=0, quick=True))
    try:
        for spec in result.figures:
            assert smallest_text_pt(spec.figure) >= 8.0, spec.name
            assert legends_over_data(spec.figure) == [], spec.name
    finally:
        for spec in result.figures:
            close(spec.figure)
