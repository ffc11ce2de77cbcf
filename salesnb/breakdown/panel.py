"""The analysts' ipywidgets panel: method, blend weights, total growth and overrides, with the target matrix
and the growth flags rebuilt as they change; and the overrides as text.

Only the panel: the plan it rebuilds is :mod:`.plan`, the tables and sentences it shows :mod:`.views` and
:mod:`.narrative`.
"""
from __future__ import annotations

from typing import Sequence

import ipywidgets as w
from IPython.display import display

from .. import present as ui
from ..config import BreakdownOverride, BreakdownTotal
from ..i18n import t
from .common import PlanError
from .labels import method_text
from .methods import METHODS
from .narrative import narrative_checks, narrative_total
from .plan import PlanInputs, build_plan
from .views import checks_view, matrix_view


def parse_overrides(text: str) -> list:
    """Overrides typed one per line: ``region 华南 +25%`` (growth) or
    ``product_line 智能控制系统 130000000`` (amount).

    >>> [(o.scope, o.growth, o.value) for o in parse_overrides("region 华南 +25%\\nproduct_line A 1,000")]
    [({'region': '华南'}, 0.25, None), ({'product_line': 'A'}, None, 1000.0)]
    """
    out = []
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if len(parts) < 3:
            raise PlanError(t("bd_w_bad_line", "en", line=line))
        dim, value = parts[0], parts[-1].replace(",", "")
        node = " ".join(parts[1:-1])
        try:
            if value.endswith("%"):
                out.append(BreakdownOverride(scope={dim: node}, growth=float(value[:-1]) / 100))
            else:
                out.append(BreakdownOverride(scope={dim: node}, value=float(value)))
        except ValueError:
            raise PlanError(t("bd_w_bad_line", "en", line=line)) from None
    return out


def overrides_text(overrides: Sequence) -> str:
    """The inverse of :func:`parse_overrides`."""
    lines = []
    for o in overrides:
        dim, node = next(iter(o.scope.items()))
        lines.append(f"{dim} {node} {o.growth * 100:+g}%" if o.growth is not None else f"{dim} {node} {o.value:.0f}")
    return "\n".join(lines)


def plan_panel(inputs: PlanInputs, lang: str, unit: str):
    """An ipywidgets panel for JupyterLab: choose the method, blend weights,
    total growth and overrides; the target matrix and the growth flags
    update. Returns the widget (display it as a cell's last value).

    In a static HTML export the widgets are inert; the notebook shows the
    workspace's own plan as ordinary tables and charts above it.
    """
    s = inputs.config.breakdown
    first = build_plan(inputs)
    method = w.Dropdown(options=[(method_text(m, lang), m) for m in METHODS], value=s.method, description=t("bd_w_method", lang))
    growth = w.FloatSlider(value=float(first.total.growth) if first.total.growth == first.total.growth else 0.0, min=-0.3, max=0.6,
                           step=0.005, readout_format=".1%", description=t("bd_w_growth", lang), continuous_update=False)
    sliders = {m: w.FloatSlider(value=float(s.weights.get(m, 0.0)), min=0.0, max=1.0, step=0.05, description=method_text(m, lang),
                                continuous_update=False, disabled=(m == "potential" and not s.potential))
               for m in ("history", "momentum", "potential", "even")}
    text = w.Textarea(value=overrides_text(s.overrides), layout=w.Layout(width="70%", height="90px"))
    button = w.Button(description=t("bd_w_apply", lang), button_style="primary")
    out = w.Output()
    state: dict = {"plan": first, "error": None}

    def render(*_):
        with out:
            out.clear_output(wait=True)
            try:
                weights = {m: sl.value for m, sl in sliders.items() if sl.value > 0} or dict(s.weights)
                settings = s.model_copy(update={"method": method.value, "weights": weights,
                                                "total": BreakdownTotal(growth=growth.value), "overrides": parse_overrides(text.value)})
                plan = build_plan(inputs, settings)
            except (PlanError, ValueError) as exc:
                state.update(error=str(exc))
                display(ui.note(t("bd_w_error", lang, error=str(exc)), warn=True))
                return
            state.update(plan=plan, error=None)
            display(ui.para(narrative_total(plan, lang, unit)))
            display(ui.table(*matrix_view(plan, lang, unit)))
            display(ui.para(narrative_checks(plan, lang, unit)))
            flags = checks_view(plan, lang, unit)
            if flags is not None:
                display(ui.table(*flags))

    for widget in (method, growth, *sliders.values()):
        widget.observe(render, "value")
    button.on_click(render)
    render()
    box = w.VBox([w.HBox([method, growth]), w.HBox([sliders["history"], sliders["momentum"]]),
                  w.HBox([sliders["potential"], sliders["even"]]), w.Label(t("bd_w_overrides", lang)), text, button, out])
    box.state = state  # the plan (or error) behind what the panel shows
    return box
