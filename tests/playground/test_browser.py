"""The playground as a person uses it: headless Chromium against a real server.

Every verdict is a count (epochs, optimizer steps) or a value the page shows; the waits
are generous and never judged.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from netopt.diagnose.findings import REMEDIES

from .conftest import wait_for


def _float(page, selector: str) -> float | None:
    raw = page.get_attribute(selector, "data-value")
    return float(raw) if raw else None


def _config(page) -> dict:
    raw = page.get_attribute("body", "data-config")
    return json.loads(raw) if raw else {}


def _open(page, server, fragment: str = "") -> None:
    page.goto(f"{server.url}/{fragment}")
    wait_for(lambda: _float(page, "#test-loss") is not None, what="the first frame")


def _epoch(page) -> int:
    return int(page.text_content("#epoch"))


def _grad_norms(page) -> list:
    return json.loads(page.get_attribute("#grad-norms", "data-values"))


def test_play_lowers_the_test_loss_on_the_circle(page, server):
    _open(page, server, "#dataset=circle")
    assert _config(page)["dataset"] == "circle"
    before = _float(page, "#test-loss")
    page.click("#play")
    wait_for(lambda: _epoch(page) >= 40, what="40 epochs")
    page.click("#play")  # pause
    after = _float(page, "#test-loss")
    # a 2-[4,2]-1 tanh net with SGD 0.03 separates the circle: the loss falls well below
    # its starting value (about ln 2 for an untrained classifier)
    assert after < 0.8 * before, (before, after)


def test_relu_raises_the_first_layer_gradient_of_a_deep_net(page, server):
    _open(page, server, "#hidden=8,8,8,8,8,8&activation=sigmoid")
    sigmoid = wait_for(lambda: len(_grad_norms(page)) == 7 and _grad_norms(page), what="norms")
    page.select_option("#cfg-activation", "relu")
    wait_for(lambda: _config(page).get("activation") == "relu", what="the relu net")
    relu = wait_for(lambda: _grad_norms(page) != sigmoid and _grad_norms(page), what="new norms")
    # six sigmoid layers shrink the gradient by about 1/4 each (sigma' <= 1/4): the first
    # layer's gradient vanishes; with ReLU (derivative 1 where active) it does not
    assert relu[0] > 10 * sigmoid[0], (sigmoid[0], relu[0])


def test_momentum_beats_plain_gradient_descent_on_the_ravine(page, server):
    _open(page, server)
    page.click("#tab-race")
    wait_for(lambda: page.locator("#race-results li").count() == 4, what="the race")
    before = page.text_content("#race-results")
    box = page.locator("#race-canvas").bounding_box()
    # click 20% from the left and from the top: (-6, 3) on the ravine's [-10,10]x[-5,5]
    page.mouse.click(box["x"] + 0.2 * box["width"], box["y"] + 0.2 * box["height"])
    start = (float(page.input_value("#race-x")), float(page.input_value("#race-y")))
    assert abs(start[0] + 6.0) < 0.1 and abs(start[1] - 3.0) < 0.1, start
    wait_for(lambda: page.text_content("#race-results") != before, what="the new race")
    items = page.locator("#race-results li")
    reached = {
        items.nth(i).get_attribute("data-optimizer"): items.nth(i).get_attribute("data-reached")
        for i in range(4)
    }
    assert reached["sgd"] and reached["momentum"], reached
    assert int(reached["momentum"]) < int(reached["sgd"]), reached
    assert "2/λmax" in page.text_content("#stable-lr")


def test_copied_python_reproduces_the_page_loss(page, server, tmp_path):
    fragment = (
        "#dataset=spiral&hidden=8,8&optimizer=adam&lr=0.01&schedule=cosine&t_max=10"
        "&dropout=0.1&reg=l2&reg_rate=0.001&clip=norm&features=x1,x2,sinx1"
    )
    _open(page, server, fragment)
    for k in range(1, 6):
        page.click("#step")
        wait_for(lambda k=k: _epoch(page) == k, what=f"epoch {k}")
    shown = _float(page, "#test-loss")
    page.click("#copy")
    wait_for(lambda: page.get_attribute("#script", "data-epochs") == "5", what="the script")
    script = tmp_path / "run.py"
    script.write_text(page.input_value("#script"), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    words = result.stdout.split()
    assert words[:2] == ["epochs", "5"], result.stdout
    assert abs(float(words[words.index("test_loss") + 1]) - shown) <= 1e-6


def test_the_url_round_trips_the_state(page, server, browser):
    _open(page, server, "#dataset=xor&hidden=6,3&activation=relu&optimizer=momentum&lr=0.1")
    config = _config(page)
    assert (config["dataset"], config["hidden"], config["activation"]) == ("xor", [6, 3], "relu")
    assert page.input_value("#cfg-optimizer") == "momentum"
    page.select_option("#cfg-schedule", "step")
    wait_for(lambda: _config(page).get("schedule") == "step", what="the schedule")
    url = page.url
    other = page.context.new_page()
    try:
        other.goto(url)
        wait_for(lambda: _config(other).get("schedule") == "step", what="the shared page")
        assert _config(other) == _config(page)
        assert other.input_value("#cfg-activation") == "relu"
        assert other.input_value("#unit-1") == "3"
    finally:
        other.close()


def test_the_chinese_switch_changes_every_label(page, server):
    _open(page, server)
    labels = page.locator("[data-i18n]")
    english = labels.all_text_contents()
    assert page.text_content("#play") == "Play"
    page.click("#lang")
    assert page.text_content("#play") == "运行"
    assert page.text_content("#h-data") == "数据"
    assert page.get_attribute("html", "lang") == "zh-CN"
    chinese = labels.all_text_contents()
    changed = sum(a != b for a, b in zip(english, chinese))
    # names that are the same in both languages (SGD, Adam, L1, ...) stay; most change
    assert changed > 0.6 * len(english), (changed, len(english))
    page.click("#lang")
    assert labels.all_text_contents() == english


def test_a_bad_value_gets_an_error_and_the_page_keeps_working(page, server):
    _open(page, server)
    page.fill("#cfg-lr", "-1")
    page.dispatch_event("#cfg-lr", "change")
    wait_for(lambda: page.is_visible("#error"), what="the error")
    assert "lr must be a number" in page.text_content("#error")
    page.fill("#cfg-lr", "0.5")
    page.dispatch_event("#cfg-lr", "change")
    wait_for(lambda: _config(page).get("lr") == 0.5, what="the corrected run")
    page.click("#step")
    wait_for(lambda: _epoch(page) == 1, what="a step after the error")


@pytest.mark.parametrize("width", [390])
def test_narrow_screen_has_no_horizontal_scroll(browser, server, width):
    context = browser.new_context(viewport={"width": width, "height": 844})
    try:
        tab = context.new_page()
        tab.goto(f"{server.url}/")
        wait_for(lambda: tab.get_attribute("#test-loss", "data-value"), what="the first frame")
        scroll = tab.evaluate("() => document.documentElement.scrollWidth")
        assert scroll <= width, scroll
    finally:
        context.close()


def test_a_diverging_run_shows_the_diagnosis(page, server):
    _open(page, server, "#lr=10&init_scale=10&hidden=8,8&activation=relu&dataset=plane")
    page.click("#play")
    wait_for(
        lambda: "exploding_gradients" in (page.get_attribute("#findings", "data-kinds") or ""),
        what="the exploding-gradients finding",
    )
    wait_for(lambda: page.text_content("#play") == "Play", what="the run to stop itself")
    assert "Exploding gradients" in page.text_content("#findings")
    english_remedy = REMEDIES["exploding_gradients"][0]
    assert english_remedy in page.text_content("#findings")
    page.click("#lang")  # the same findings, in Chinese: title and remedies; numbers stay
    chinese_remedy = page.evaluate("() => REMEDIES_ZH.exploding_gradients[0]")
    text = page.text_content("#findings")
    assert "梯度爆炸" in text and chinese_remedy in text and english_remedy not in text
    page.click("#lang")
    assert english_remedy in page.text_content("#findings")


def test_the_keyboard_drives_the_page(page, server):
    _open(page, server)
    page.focus("#step")
    page.keyboard.press("Enter")
    wait_for(lambda: _epoch(page) == 1, what="a step from the keyboard")
    page.focus("#cfg-activation")
    page.keyboard.press("ArrowDown")  # tanh -> relu, a native select
    wait_for(lambda: _config(page).get("activation") == "relu", what="a setting from the keys")
    page.mouse.click(600, 40)  # on the header: focus leaves the controls
    page.keyboard.press(" ")  # space plays
    wait_for(lambda: _epoch(page) >= 3, what="play from the space bar")
    page.keyboard.press(" ")
    wait_for(lambda: page.text_content("#play") == "Play", what="pause from the space bar")
