"""The step-2 planning panel driven over the Jupyter messaging protocol.

JupyterLab talks to a widget through comm messages: it opens a view of the
model the kernel announced, and when the analyst changes the dropdown it
sends ``comm_msg {method: "update", state: {value: ...}}``. This test plays
the browser's part against a real IPython kernel (jupyter_client), so it
checks what unit tests of the Python objects cannot: that the panel is
announced as a widget view, that an update arriving from the front end
re-plans, and that the new matrix reaches the front end as output of the
Output widget.
"""
from __future__ import annotations

import queue
import time
from pathlib import Path

import pytest

jupyter_client = pytest.importorskip("jupyter_client")

ROOT = Path(__file__).resolve().parents[1]
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

SETUP = f"""
import sys; sys.path.insert(0, {str(ROOT)!r})
from salesnb.io import load_workspace
from salesnb.periods import Period
from salesnb import breakdown as bd
ws = load_workspace({str(ROOT / "data" / "sample")!r})
inputs = bd.plan_inputs(ws.table("sales"), ws.table("customers"), Period.parse("2025Q4"), ws.config)
panel = bd.plan_panel(inputs, "en", "万元")
method = panel.children[0].children[0]
panel
"""


def _collect(kc, parent_id: str, timeout: float = 120) -> list[dict]:
    """All iopub messages whose parent is ``parent_id``, until the kernel is idle."""
    msgs, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=1)
        except queue.Empty:
            continue
        if msg["parent_header"].get("msg_id") != parent_id:
            continue
        msgs.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return msgs
    raise AssertionError(f"kernel did not go idle within {timeout} s")


@pytest.fixture(scope="module")
def kernel():
    km = jupyter_client.KernelManager(kernel_name="python3")  # ipykernel's native spec: this interpreter
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    yield kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def test_panel_is_a_live_widget_that_replans_on_a_front_end_update(kernel):
    kc = kernel
    msg_id = kc.execute(SETUP)
    msgs = _collect(kc, msg_id)
    errors = [m["content"] for m in msgs if m["msg_type"] == "error"]
    assert not errors, errors
    results = [m for m in msgs if m["msg_type"] == "execute_result"]
    assert results and WIDGET_MIME in results[0]["content"]["data"]  # JupyterLab renders a widget view, not text
    opened = {m["content"]["comm_id"]: m["content"]["data"]["state"] for m in msgs if m["msg_type"] == "comm_open"}
    dropdowns = [cid for cid, st in opened.items() if st.get("_model_name") == "DropdownModel"]
    assert len(dropdowns) == 1
    # the kernel tells us the dropdown's comm id independently of the comm_open order
    check = kc.execute("print(method.comm.comm_id, panel.state['plan'].method)")
    printed = "".join(m["content"]["text"] for m in _collect(kc, check) if m["msg_type"] == "stream")
    comm_id, first_method = printed.split()
    assert comm_id == dropdowns[0] and first_method != "even"
    # a Dropdown syncs the selected option's index; the labels are what the browser shows
    labels = opened[comm_id]["_options_labels"]
    even = labels.index("even split")

    # the analyst picks "even split" in the browser: JupyterLab sends this comm message
    update = kc.session.msg("comm_msg", {"comm_id": comm_id, "data": {"method": "update", "state": {"index": even}, "buffer_paths": []}})
    kc.shell_channel.send(update)
    replies = _collect(kc, update["header"]["msg_id"])
    shown = [m["content"]["data"].get("text/html", "") for m in replies if m["msg_type"] == "display_data"]
    assert shown, [m["msg_type"] for m in replies]  # the Output widget received the re-planned tables
    assert any("<table" in html for html in shown)

    check = kc.execute("p = panel.state['plan']; q = bd.build_plan(inputs)\n"
                       "print(p.method, p.cells['target'].sum() == p.total.value, p.cells['target'].tolist() != q.cells['target'].tolist())")
    printed = "".join(m["content"]["text"] for m in _collect(kc, check) if m["msg_type"] == "stream").split()
    assert printed == ["even", "True", "True"]  # re-planned with the new method; still adds up to the total
