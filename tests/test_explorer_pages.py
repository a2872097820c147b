"""The explorer as people meet it: the notebook run top to bottom, and the Voila dashboard in a
real browser (Debian's chromium driven by Playwright)."""

from __future__ import annotations

import contextlib
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Collection
from pathlib import Path

import pytest

from cspmodel import load_scenario, simulate
from cspmodel.analysis import as_channel
from cspmodel.dashboard import TOKEN_ENV

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "explorer.ipynb"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def test_notebook_runs_top_to_bottom_with_a_parameter(notebook_run):
    run = notebook_run(NOTEBOOK.stem)  # on small_indirect_msp (conftest.RUNS)
    assert "small_indirect_msp" in run.parameters["scenario_path"]
    outputs = run.outputs()
    assert outputs and not [o for o in outputs if o.get("output_type") == "error"]
    # the explorer was displayed as a widget
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
               for o in outputs)


TOKEN = "test-token-of-the-user"


def _browser_or_skip() -> None:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.skip("Debian's chromium is not installed (make test installs it with apt-get "
                    "when run as root; here it could not): no browser for this test")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install -e '.[dev]')")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 90) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"the dashboard server stopped (exit {proc.returncode})")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise TimeoutError(f"the dashboard server did not listen on port {port}")


@contextlib.contextmanager
def _serving(**env: str):  # noqa: ANN202 - yields (address, server process)
    """The dashboard served on a free port (``env``: more environment), stopped after."""
    port = _free_port()
    log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"cspmodel-voila-{port}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "cspmodel.dashboard", "--port", str(port)],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True, env={**os.environ, TOKEN_ENV: TOKEN, **env})
    try:
        _wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}", proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


IDLE = 4  # seconds before a closed page's kernel is culled (a partner's server: minutes)


@pytest.fixture(scope="module")
def server():
    """One dashboard server for the module's pages (each page its own kernel), with a short
    cull so that a closed page's kernel goes within seconds: (address, server process)."""
    _browser_or_skip()
    from cspmodel.dashboard import CULL_ENV

    with _serving(**{CULL_ENV: str(IDLE)}) as served:
        yield served


@pytest.fixture
def dashboard(server):
    return server[0]


def _open_page(browser, url: str, height: int = 1000) -> tuple:  # noqa: ANN001
    """A new page at ``url`` once its first figures show, and the seconds that took."""
    page = browser.new_page(viewport={"width": 1400, "height": height})
    t0 = time.monotonic()
    page.goto(url, timeout=90_000)
    page.wait_for_selector("#csp-operating-profit", timeout=90_000)
    return page, time.monotonic() - t0


def _charts_shown(page) -> None:  # noqa: ANN001
    """Wait for the page's first chart: the notebook has run to its end and the page talks to
    its kernel, as when a partner starts moving controls."""
    page.wait_for_function("() => [...document.querySelectorAll('.csp-charts img')]"
                           ".some(i => i.naturalWidth > 0)", timeout=90_000)


def _shown(page, element_id: str) -> float:  # noqa: ANN001
    return float(page.get_attribute(f"#{element_id}", "data-value"))


def test_dashboard_switching_to_direct_shows_the_engine_profit(dashboard):
    from playwright.sync_api import sync_playwright

    name = "growing_var_weighing_direct"
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    indirect = float(simulate(scenario).summary["operating_profit"])
    direct = float(simulate(as_channel(scenario, "direct")).summary["operating_profit"])
    assert not math.isclose(indirect, direct)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{dashboard}/?token={TOKEN}&scenario={name}", timeout=90_000)
            page.wait_for_selector("#csp-operating-profit", timeout=90_000)
            assert _shown(page, "csp-operating-profit") == pytest.approx(indirect, rel=1e-12)
            assert "Growing VAR weighing direct bill" in page.inner_text(".csp-title")
            assert "Traceback" not in page.content()
            _charts_shown(page)
            page.click(".csp-control-channel button:has-text('Direct bill')")
            page.wait_for_function(
                "v => document.querySelector('#csp-operating-profit')"
                ".getAttribute('data-value') !== v", arg=repr(indirect), timeout=60_000)
            assert _shown(page, "csp-operating-profit") == pytest.approx(direct, rel=1e-12)
            text = page.inner_text("#csp-operating-profit")
            assert re.fullmatch(r"USD -?[\d,]+", text.strip())
            assert text.strip() == f"USD {direct:,.0f}"
        finally:
            browser.close()


def _get(url: str, host: str | None = None) -> tuple[int, str]:
    import urllib.error

    req = urllib.request.Request(url, headers={"Host": host} if host else {})
    opener = urllib.request.build_opener(_NoRedirect())
    try:
        with opener.open(req, timeout=60) as resp:
            return resp.status, resp.read(2000).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location", "")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return None


def test_the_dashboard_opens_only_with_its_token_and_a_local_host(dashboard):
    # no token: to the login page, not the explorer
    status, where = _get(f"{dashboard}/")
    assert status in (302, 403) and (status == 403 or "login" in where)
    # a DNS-rebinding page: its own host name in the Host header is refused
    status, _ = _get(f"{dashboard}/?token={TOKEN}", host="evil.example:8866")
    assert status == 403
    # the user's address: served
    status, body = _get(f"{dashboard}/?token={TOKEN}")
    assert status == 200 and "<html" in body.lower()


def test_the_dashboard_culls_a_closed_pages_kernel() -> None:
    from cspmodel.dashboard import KERNEL_IDLE_SECONDS, dashboard_config

    config = dashboard_config("t")
    manager = config.MappingKernelManager
    assert manager.cull_idle_timeout == KERNEL_IDLE_SECONDS <= 300
    assert manager.cull_connected is False and manager.cull_interval > 0
    # one kernel started ahead of the next page; waiting for its page it is busy, never culled
    assert config.VoilaConfiguration.preheat_kernel is True
    assert config.VoilaConfiguration.default_pool_size == 1
    assert manager.get("cull_busy", False) is False


def test_a_partner_moves_controls_sees_the_deltas_seeks_a_goal_and_draws_the_bands(dashboard):
    """Issue 17 in a real browser: the controls show the file, three moved controls show
    their change against the file, a goal seek answers, the bands toggle, the page closes."""
    from playwright.sync_api import sync_playwright

    name = "small_indirect_msp"
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    seg = scenario.segments[0]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page, first = _open_page(browser, f"{dashboard}/?token={TOKEN}&scenario={name}",
                                     height=1200)
            print(f"first figures {first:.1f} s after the page was asked for")
            _charts_shown(page)
            shown = {c: float(page.input_value(f".csp-control-{c} input"))
                     for c in ("customers-at-start", "new-customers-per-month")}
            assert shown == {"customers-at-start": seg.customers_at_start,
                             "new-customers-per-month": seg.new_customers_per_month}
            before = _shown(page, "csp-operating-profit")
            for control, value in (("customers-at-start", "45"),
                                   ("new-customers-per-month", "2"),
                                   ("labor-rate-per-hour", "60")):
                shown_before = page.get_attribute("#csp-operating-profit", "data-value")
                page.fill(f".csp-control-{control} input", value)
                page.press(f".csp-control-{control} input", "Enter")
                page.wait_for_function(  # the figure read before the change was sent: the
                    # kernel may answer before this line runs
                    "v => document.querySelector('#csp-operating-profit')"
                    ".getAttribute('data-value') !== v", arg=shown_before, timeout=60_000)
            moved = scenario.with_overrides({"segments.0.customers_at_start": 45.0,
                                             "segments.0.new_customers_per_month": 2.0,
                                             "support.labor_rate_per_hour": 60.0})
            want = float(simulate(moved).summary["operating_profit"])
            assert _shown(page, "csp-operating-profit") == pytest.approx(want, rel=1e-12)
            card = page.inner_text(".csp-operating-profit")
            assert "against the file" in card and want != before
            page.click(".csp-seek button, button.csp-seek")
            page.wait_for_selector(".csp-seek-answer p", timeout=60_000)
            assert "reaches" in page.inner_text(".csp-seek-answer")
            page.check(".csp-bands input")
            page.wait_for_function(
                "() => document.querySelector('.csp-bands input').checked", timeout=10_000)
            assert "Traceback" not in page.content()
            page.close()
        finally:
            browser.close()


def _kernels_of(pid: int) -> list[int]:
    """The kernel processes the dashboard server started (its children running ipykernel)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid and "ipykernel" in cmd:
            found.append(int(entry.name))
    return found


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _ready_kernel(pid: int, taken: Collection[int] = (), timeout: float = 90) -> int:
    """The kernel the dashboard started ahead of the next page (not one of the pages'
    kernels ``taken``), once it has run the notebook up to the page's request (it uses no
    more CPU)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        kernels = [k for k in _kernels_of(pid) if k not in taken]
        if len(kernels) == 1:
            before = _cpu_ticks(kernels[0])
            time.sleep(1.0)
            if _cpu_ticks(kernels[0]) == before:
                return kernels[0]
        time.sleep(0.3)
    raise TimeoutError(f"no kernel ready ahead of the page: {_kernels_of(pid)}")


def test_first_figures_come_in_seconds_and_no_kernel_outlives_its_page(server):
    """Issue 17, item 7: the time to first figures from a kernel the dashboard started ahead,
    and a closed page's kernel shut down within the cull interval (shortened here to seconds),
    while the kernel waiting for the next page stays."""
    from playwright.sync_api import sync_playwright

    idle = IDLE
    address, proc = server
    # the earlier pages' kernels are culled first: one kernel is left, the next page's
    ahead = _ready_kernel(proc.pid)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page, first = _open_page(
                browser, f"{address}/?token={TOKEN}&scenario=small_indirect_msp")
            assert "Small indirect MSP" in page.inner_text(".csp-title")
            assert ahead in _kernels_of(proc.pid)  # the page runs on it
            page.close()
        finally:
            browser.close()
    closed = time.monotonic()
    while ahead in _kernels_of(proc.pid) and time.monotonic() - closed < 3 * idle + 10:
        time.sleep(0.5)
    gone = time.monotonic() - closed
    print(f"first figures {first:.1f} s after the page was asked for; the kernel was "
          f"gone {gone:.1f} s after the page closed (idle limit {idle} s)")
    assert ahead not in _kernels_of(proc.pid), "a closed page's kernel outlived the cull"
    assert _ready_kernel(proc.pid, taken={ahead})  # the next page's waits, not culled
