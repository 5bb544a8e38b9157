"""The explorer page computes what kltutorial computes, fits where kltutorial.fit ends, and is fast.

The page's contract: each loss's value is the text of the element ``[data-loss=NAME]`` (NAME
as in ``kltutorial.LOSSES``); the controls are inputs named ``mu``, ``sigma``, ``target``,
``m1``, ``s1``, ``m2``, ``s2`` and ``grid``; after "Fit all five", each panel's ``[data-fit]``
element carries the end point in ``data-mu``, ``data-sigma``, ``data-loss``,
``data-converged`` and ``data-reason``.
"""

from __future__ import annotations

import json
import math
import random
import re
import statistics
from collections.abc import Iterator
from typing import Any

import pytest
import torch

from kltutorial import LOSSES, Gaussian, Mixture, fit

from .conftest import BUILD, SCREENSHOTS, Server, new_context

pytestmark = pytest.mark.browser

GRIDS = {"original": (-15.0, 15.0, 1000), "wide": (-40.0, 40.0, 2665)}


def grid(name: str) -> torch.Tensor:
    low, high, n = GRIDS[name]
    return torch.linspace(low, high, n, dtype=torch.float64)


def target_log_p(settings: dict[str, Any], x: torch.Tensor) -> torch.Tensor:
    """The page's target on ``x``: the original's sum of two densities, or the mixture."""
    a = Gaussian(torch.tensor(settings["m1"], dtype=x.dtype), settings["s1"])
    b = Gaussian(torch.tensor(settings["m2"], dtype=x.dtype), settings["s2"])
    if settings["target"] == "mixture":
        return Mixture([a, b]).log_prob(x)
    return torch.logaddexp(a.log_prob(x), b.log_prob(x))


@pytest.fixture(scope="module")
def explorer(browser: Any, server: Server) -> Iterator[Any]:
    context = new_context(browser, server)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server.url("/explorer/"))
    page.wait_for_selector(".kl-explorer--ready")
    yield page
    context.close()
    assert not errors, f"the explorer logged errors: {errors}"


def set_controls(page: Any, settings: dict[str, Any]) -> None:
    """Set the controls as a reader does: type into the fields, pick from the menus."""
    for name in ("target", "grid"):
        if name in settings:
            page.select_option(f"select[name={name}]", settings[name])
    for name in ("m1", "s1", "m2", "s2", "mu", "sigma"):
        if name in settings:
            page.fill(f"input[name={name}]", repr(float(settings[name])))


def shown_losses(page: Any) -> dict[str, float]:
    return {name: float(page.text_content(f"[data-loss={name}]")) for name in LOSSES}


def random_settings(rng: random.Random) -> dict[str, Any]:
    return {
        "target": rng.choice(["sum", "mixture"]),
        "grid": rng.choice(["original", "original", "wide"]),
        "m1": round(rng.uniform(-10.0, 0.0), 2),
        "s1": round(rng.uniform(0.5, 2.5), 2),
        "m2": round(rng.uniform(3.0, 12.0), 2),
        "s2": round(rng.uniform(0.5, 2.5), 2),
        "mu": round(rng.uniform(-14.0, 14.0), 3),
        "sigma": round(math.exp(rng.uniform(math.log(0.3), math.log(20.0))), 3),
    }


def test_values_agree_with_kltutorial_for_50_random_settings(explorer: Any) -> None:
    rng = random.Random(20261202)
    worst = 0.0
    for _ in range(50):
        settings = random_settings(rng)
        set_controls(explorer, settings)
        shown = shown_losses(explorer)
        x = grid(settings["grid"])
        log_p = target_log_p(settings, x)
        log_q = Gaussian(torch.tensor(settings["mu"], dtype=x.dtype), settings["sigma"]).log_prob(x)
        for name, loss in LOSSES.items():
            expected = float(loss(log_p, log_q, x))
            error = abs(shown[name] - expected) / max(abs(expected), 1e-12)
            worst = max(worst, error)
            assert error <= 1e-6, f"{name} at {settings}: page {shown[name]}, package {expected}"
    print(f"largest relative difference from kltutorial over 50 settings: {worst:.2e}")


STARTS: list[dict[str, Any]] = [
    {"target": "sum", "grid": "original", "mu": 0.0, "sigma": 1.0},
    {"target": "sum", "grid": "original", "mu": 3.0, "sigma": 8.0},
    {"target": "mixture", "grid": "original", "mu": 1.0, "sigma": 1.0},
    {"target": "mixture", "grid": "original", "mu": 4.0, "sigma": 2.0},
    {"target": "mixture", "grid": "wide", "mu": -2.0, "sigma": 3.0},
    {"target": "sum", "grid": "wide", "mu": 8.0, "sigma": 0.7},
]


def test_fits_end_where_kltutorial_fit_ends(explorer: Any) -> None:
    compared, disagreements = 0, []
    for start in STARTS:
        settings = {"m1": -5.0, "s1": 1.0, "m2": 10.0, "s2": 1.0, **start}
        set_controls(explorer, settings)
        explorer.click("[data-fit-all]")
        x = grid(settings["grid"])
        target = target_log_p(settings, x).exp()
        for name in LOSSES:
            end = explorer.locator(f"[data-landscape={name}] [data-fit]")
            page_converged = end.get_attribute("data-converged") == "true"
            mu, sigma = float(end.get_attribute("data-mu")), float(end.get_attribute("data-sigma"))
            result = fit(target, x, name, mu=start["mu"], sigma=start["sigma"])
            if not (page_converged and bool(result.converged)):
                continue
            compared += 1
            if result.reasons[0].startswith("converged to within tol"):
                # A flat minimum (L1 against the mixture: every Q above the half-height mode
                # scores 1): its points are all minimisers, so the two fits need not stop at
                # the same one; they must reach the same loss. On the grid the valley is
                # flat only up to the rule's O(h^2) error at the curves' crossings, about
                # 1e-6 here, hence the tolerance.
                page_loss = float(end.get_attribute("data-loss"))
                if abs(page_loss - float(result.loss)) > 1e-5 * abs(float(result.loss)):
                    disagreements.append(
                        f"{name} from {start}: flat minimum, page loss {page_loss}, "
                        f"kltutorial {float(result.loss)}"
                    )
                continue
            if abs(mu - float(result.mu)) > 1e-3 or abs(sigma - float(result.sigma)) > 1e-3:
                disagreements.append(
                    f"{name} from {start}: page ({mu:.5f}, {sigma:.5f}), "
                    f"kltutorial ({float(result.mu):.5f}, {float(result.sigma):.5f})"
                )
    assert not disagreements, "\n".join(disagreements)
    # Most fits converge in both; a test that compared none would prove nothing.
    assert compared >= 20, f"only {compared} fits converged in both"
    print(f"{compared} fits compared")


# The budgets: a control change redraws within 16 ms (the median of 100 changes) and
# the five landscapes of 100 x 100 points are computed within 200 ms (the median of 7).
REDRAW_BUDGET_MS = 16.0
LANDSCAPE_BUDGET_MS = 200.0
# The worst of 100 redraws measures the machine as much as the page: a page's update takes
# about 0.5 ms of its own, but on a loaded 2-core machine (CI, or this one shared by several
# builds) the scheduler takes the page's thread away for a slice or two now and then; up to
# 33 ms was seen at a load average of 8. A worst case beyond 50 ms is more than such a stall:
# a redraw that does too much (a landscape recomputed on a mu change takes ~50 ms by itself).
REDRAW_WORST_MS = 50.0
LANDSCAPE_SAMPLES = 7


def test_a_control_change_redraws_within_16_ms(explorer: Any, server: Server) -> None:
    set_controls(explorer, {"target": "sum", "grid": "original", "mu": 0.0, "sigma": 1.0})
    timings = explorer.evaluate(
        """() => {
          const input = document.querySelector("input[name=mu]");
          const times = [];
          for (let i = 0; i < 100; i++) {
            input.value = String(-10 + 0.2 * i);
            const started = performance.now();
            input.dispatchEvent(new Event("input", { bubbles: true }));
            times.push(performance.now() - started);
          }
          return times;
        }"""
    )
    # The landscapes are recomputed only when the target or the grid changes: time that too,
    # as the median of several changes (one sample is at the mercy of the machine's load).
    landscape_ms = []
    for k in range(LANDSCAPE_SAMPLES):
        explorer.select_option("select[name=target]", "mixture" if k % 2 == 0 else "sum")
        landscape_ms.append(explorer.evaluate("() => window.klExplorer.instance.landscapeMs"))
    median, worst = statistics.median(timings), max(timings)
    landscape_median = statistics.median(landscape_ms)
    BUILD.mkdir(parents=True, exist_ok=True)
    report = {
        "redraw_ms_median": median,
        "redraw_ms_worst": worst,
        "redraw_ms_worst_allowed": REDRAW_WORST_MS,
        "landscape_ms": landscape_ms,
        "landscape_ms_median": landscape_median,
    }
    (BUILD / "explorer-timings.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(
        f"redraw over 100 changes: median {median:.2f} ms, worst {worst:.2f} ms; "
        f"5 landscapes of 100 x 100: median {landscape_median:.0f} ms of "
        f"{', '.join(f'{t:.0f}' for t in landscape_ms)} ms"
    )
    assert median <= REDRAW_BUDGET_MS, report
    assert worst <= REDRAW_WORST_MS, report
    assert landscape_median <= LANDSCAPE_BUDGET_MS, report


def page_url(page: Any, *parts: str) -> str:
    """The page's own location once it holds every part (the page writes it within 200 ms).

    Playwright's ``page.url`` follows ``replaceState`` asynchronously: read the location.
    """
    page.wait_for_function(
        "(parts) => parts.every((part) => window.location.search.includes(part))",
        arg=list(parts),
        timeout=5_000,
    )
    return str(page.evaluate("() => window.location.href"))


def test_state_lives_in_the_url(explorer: Any, server: Server) -> None:
    set_controls(explorer, {"target": "mixture", "grid": "wide", "mu": 4.5, "sigma": 2.5})
    url = page_url(explorer, "mu=4.5", "sigma=2.5", "target=mixture", "grid=wide")
    for part in ("mu=4.5", "sigma=2.5", "target=mixture", "grid=wide"):
        assert part in url, url
    shown = shown_losses(explorer)
    other = explorer.context.new_page()
    other.goto(url)
    other.wait_for_selector(".kl-explorer--ready")
    assert other.input_value("input[name=mu]") == "4.5"
    assert other.input_value("select[name=grid]") == "wide"
    assert shown_losses(other) == shown
    other.close()


def test_every_control_has_a_visible_label_and_works_from_the_keyboard(explorer: Any) -> None:
    set_controls(explorer, {"target": "sum", "grid": "original", "mu": 0.0, "sigma": 1.0})
    unlabelled = explorer.evaluate(
        """() => [...document.querySelectorAll("#kl-explorer input, #kl-explorer select")]
          .filter((el) => {
            // A slider shares the visible label of the number field beside it.
            const field = el.closest(".kl-explorer-field");
            const label = field && field.querySelector("label");
            return !label || !label.offsetParent || !label.textContent.trim();
          })
          .map((el) => el.name)"""
    )
    assert not unlabelled, f"controls without a visible label: {unlabelled}"
    before = shown_losses(explorer)
    explorer.focus("input[name=mu-slider]")
    for _ in range(10):
        explorer.keyboard.press("ArrowRight")
    assert float(explorer.input_value("input[name=mu]")) == pytest.approx(0.5)
    assert shown_losses(explorer) != before
    explorer.focus("[data-fit-all]")
    explorer.keyboard.press("Enter")
    assert explorer.locator("[data-landscape=forward_kl] [data-fit]").get_attribute("data-mu")


def test_a_field_without_a_valid_value_is_marked_and_changes_nothing(explorer: Any) -> None:
    set_controls(explorer, {"target": "sum", "grid": "original", "mu": 1.5, "sigma": 2.0})
    before = shown_losses(explorer)
    # "-" is what a reader types first for a negative number: the field then holds no number.
    for name, text in [("mu", ""), ("mu", "-"), ("sigma", "0"), ("sigma", "-1"), ("s1", "")]:
        field = explorer.locator(f"input[name={name}]")
        kept = field.input_value()
        if text == "-":
            field.select_text()
            explorer.keyboard.type(text)
        else:
            field.fill(text)
        hint = explorer.locator(f"#{field.get_attribute('id')}-hint")
        assert field.get_attribute("aria-invalid") == "true", (name, text)
        assert hint.is_visible(), (name, text)
        assert "must be a number" in (hint.text_content() or ""), hint.text_content()
        assert field.get_attribute("aria-describedby") == hint.get_attribute("id")
        # The value in use is kept: the same losses, and the state keeps it.
        assert shown_losses(explorer) == before, (name, text)
        state = explorer.evaluate("() => window.klExplorer.instance.state")
        assert state[name] == float(kept), (name, text, state)
        # Leaving the field puts the value in use back and clears the mark.
        field.blur()
        restored = field.input_value()
        assert restored, (name, text)
        assert float(restored) == float(kept), (name, text, restored)
        assert field.get_attribute("aria-invalid") is None, (name, text)
        assert not hint.is_visible(), (name, text)
    # A valid value after an invalid one counts at once.
    explorer.fill("input[name=mu]", "")
    explorer.fill("input[name=mu]", "2.5")
    assert explorer.get_attribute("input[name=mu]", "aria-invalid") is None
    assert shown_losses(explorer) != before


def test_a_fit_that_stops_on_a_flat_minimum_says_so(explorer: Any, server: Server) -> None:
    # The prose's "L1's flat valley": against the mixture, L1's fit from here stops on a flat
    # minimum, which the page must not report as a plain "converged".
    explorer.goto(server.url("/explorer/?mu=10&sigma=1.5&target=mixture"))
    explorer.wait_for_selector(".kl-explorer--ready")
    explorer.click("[data-fit-all]")
    reasons = {}
    for name in LOSSES:
        end = explorer.locator(f"[data-landscape={name}] [data-fit]")
        reason = end.get_attribute("data-reason") or ""
        reasons[name] = reason
        shown = end.text_content() or ""
        if reason != "converged":
            assert reason in shown, f"{name}: reason {reason!r} not shown in {shown!r}"
        if end.get_attribute("data-converged") != "true":
            assert shown.startswith("not converged"), shown
    assert reasons["l1"].startswith("converged to within tol"), reasons


def test_a_configuration_link_sets_the_controls_and_back_restores_them(
    explorer: Any, server: Server
) -> None:
    """The prose's links change only the query: the page takes them itself.

    Under Material's instant navigation such a link would load nothing (the path is the
    same); the explorer handles the click in every case, pushes a history entry, and follows
    back and forward. A direct load of the same URL is test_state_lives_in_the_url's path.
    """
    explorer.goto(server.url("/explorer/?mu=0&sigma=1&target=sum"))
    explorer.wait_for_selector(".kl-explorer--ready")
    explorer.evaluate("() => { window.__klSameDocument = true; }")
    entries = explorer.evaluate("() => history.length")
    explorer.locator("a", has_text="L1's flat valley").click()
    explorer.wait_for_function("() => window.location.search.includes('mu=10')", timeout=5_000)
    assert explorer.evaluate("() => window.__klSameDocument") is True, "the page was reloaded"
    assert explorer.input_value("input[name=mu]") == "10"
    assert explorer.input_value("input[name=sigma]") == "1.5"
    assert explorer.input_value("select[name=target]") == "mixture"
    assert explorer.evaluate("() => history.length") == entries + 1
    at_link = shown_losses(explorer)
    explorer.go_back()
    explorer.wait_for_function("() => window.location.search.includes('target=sum')")
    assert explorer.input_value("input[name=mu]") == "0"
    assert explorer.input_value("select[name=target]") == "sum"
    explorer.go_forward()
    explorer.wait_for_function("() => window.location.search.includes('target=mixture')")
    assert explorer.input_value("input[name=mu]") == "10"
    assert shown_losses(explorer) == at_link
    assert explorer.evaluate("() => window.__klSameDocument") is True


def luminance(color: str) -> float:
    """WCAG relative luminance of a CSS ``rgb()`` or opaque ``rgba()`` colour."""
    channels = [float(v) / 255 for v in re.findall(r"[\d.]+", color)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


# Each select's option texts, measured in the select's font, against the room inside it (its
# width less padding and about 20 px for the arrow); the axis labels' and panel captions'
# font sizes; the P/Q plot's width against the column's.
LAYOUT_JS = """() => {
  const context = document.createElement("canvas").getContext("2d");
  const selects = [...document.querySelectorAll("#kl-explorer select")].map((select) => {
    const style = getComputedStyle(select);
    context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const room = select.clientWidth - parseFloat(style.paddingLeft)
      - parseFloat(style.paddingRight) - 20;
    const cut = [...select.options].map((o) => [o.text, context.measureText(o.text).width])
      .filter(([, width]) => width > room).map(([text]) => text);
    return {name: select.name, room, cut};
  });
  const px = (selector) => parseFloat(getComputedStyle(document.querySelector(selector)).fontSize);
  return {
    selects,
    axisFont: Math.min(px("[data-axis=left]"), px("[data-axis=right]")),
    axesFont: px("[data-axes]"),
    plot: document.querySelector("#kl-explorer-curves").getBoundingClientRect().width,
    column: document.querySelector(".kl-explorer").getBoundingClientRect().width,
  };
}"""


@pytest.mark.parametrize("width", [1280, 400])
def test_labels_fit_and_are_readable(browser: Any, server: Server, width: int) -> None:
    context = new_context(browser, server)
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(server.url("/explorer/"))
    page.wait_for_selector(".kl-explorer--ready")
    layout = page.evaluate(LAYOUT_JS)
    context.close()
    for select in layout["selects"]:
        assert not select["cut"], f"at {width} px, {select['name']} cuts off {select['cut']}"
    assert layout["axisFont"] >= 12, layout
    assert layout["axesFont"] >= 12, layout
    assert layout["plot"] >= 0.99 * layout["column"], layout


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshot_after_a_fit(browser: Any, server: Server, scheme: str) -> None:
    context = new_context(browser, server, scheme)
    page = context.new_page()
    page.emulate_media(reduced_motion="reduce")
    page.goto(server.url("/explorer/?mu=3&sigma=8&target=sum"))
    page.wait_for_selector(".kl-explorer--ready")
    page.click("[data-fit-all]")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"explorer-fit-{scheme}.png"), full_page=True)
    expected = "slate" if scheme == "dark" else "default"
    assert page.evaluate("() => document.body.dataset.mdColorScheme") == expected
    # The panels' Fit buttons are text on the page's background: 4.5:1 at least (WCAG AA).
    colors = page.evaluate(
        """() => ({
          background: getComputedStyle(document.body).backgroundColor,
          buttons: [...document.querySelectorAll("[data-fit-one]")]
            .map((button) => getComputedStyle(button).color),
        })"""
    )
    for color in colors["buttons"]:
        ratio = contrast(color, colors["background"])
        assert ratio >= 4.5, (
            f"{scheme}: Fit button text {color} on {colors['background']}: {ratio:.2f}"
        )
    # Each path lies on its halo and ends in a marker at its last point, apart from the
    # current Q's marker.
    for name in LOSSES:
        panel = page.locator(f"[data-landscape={name}]")
        path = panel.locator(".kl-explorer-path").get_attribute("points") or ""
        assert path.strip(), f"{name}: no path drawn"
        assert panel.locator(".kl-explorer-halo").get_attribute("points") == path, name
        end = panel.locator(".kl-explorer-end")
        assert end.is_visible(), f"{name}: no end marker"
        last = path.split()[-1].split(",")
        assert [end.get_attribute("cx"), end.get_attribute("cy")] == last, name
        end_fill = end.evaluate("(el) => getComputedStyle(el).fill")
        marker_fill = panel.locator(".kl-explorer-marker").evaluate(
            "(el) => getComputedStyle(el).fill"
        )
        assert end_fill != marker_fill, f"{name}: the end looks like the current Q"
    context.close()
