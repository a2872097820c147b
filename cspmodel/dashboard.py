"""The explorer as a web page for partners who don't code: Voila serves
``notebooks/explorer.ipynb`` with its code hidden, on this machine only (127.0.0.1).

``?scenario=<name>`` in the address picks a file of ``scenarios/``. Voila keeps one kernel
started ahead (pre-heated): it has run the explorer notebook up to the point where the page's
request is read (imports, the compiled engine), so a page's first figures need only the
scenario's own run (:func:`requested_scenario`).

Run it with ``make dashboard`` (or ``python -m cspmodel.dashboard --port 8866``), then open the
address it prints (it carries an access token), adding ``&scenario=small_indirect_msp``. Only
Host headers of this machine are served, and a page's kernel is shut down after it closes.

Example:
    >>> scenario_path_for("small_indirect_msp").endswith("scenarios/small_indirect_msp.yaml")
    True
    >>> scenario_path_for("../../etc/passwd")      # only names of files in scenarios/
    'scenarios/etcpasswd.yaml'
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path
from typing import Any

from .explorer import PROJECT_DIR, SCENARIOS_DIR

NOTEBOOK = PROJECT_DIR / "notebooks" / "explorer.ipynb"
DEFAULT_PORT = 8866


def scenario_path_for(name: str) -> str:
    """The scenario file a ``?scenario=`` name stands for: an absolute path when ``scenarios/``
    has it; else a path that does not exist, so that the page says which scenarios there are.
    Nothing outside ``scenarios/`` can be named."""
    clean = re.sub(r"[^A-Za-z0-9_-]", "", name.removesuffix(".yaml"))
    path = SCENARIOS_DIR / f"{clean}.yaml"
    if clean and path.is_file():
        return str(path)
    return f"scenarios/{clean}.yaml"


def requested_scenario(default: str) -> str:
    """The scenario a dashboard page asks for with ``?scenario=<name>`` (a file of
    ``scenarios/``, :func:`scenario_path_for`), else ``default``. In a kernel the dashboard
    started ahead of any page (pre-heated: the explorer's imports and the engine are loaded
    already), this waits for the page's request; outside the dashboard (papermill, nbval,
    JupyterLab) it returns ``default`` at once.

    Example:
        >>> requested_scenario("scenarios/small_indirect_msp.yaml")  # not on the dashboard
        'scenarios/small_indirect_msp.yaml'
    """
    from urllib.parse import parse_qs

    if os.environ.get("VOILA_PREHEAT") == "True":  # a kernel started ahead waits for a page
        from voila.utils import get_query_string

        query = get_query_string() or ""
    else:
        query = os.environ.get("QUERY_STRING", "")
    name = parse_qs(query).get("scenario", [""])[0]
    return scenario_path_for(name) if name else default


def voila_argv(port: int = DEFAULT_PORT, notebook: Path = NOTEBOOK) -> list[str]:
    """Command-line arguments of the Voila app: one notebook, loopback only, no browser."""
    return [str(notebook), f"--port={port}", "--Voila.ip=127.0.0.1", "--no-browser",
            "--VoilaConfiguration.strip_sources=True",
            "--VoilaConfiguration.show_tracebacks=False"]


LOCAL_HOSTS = ["localhost", "127.0.0.1"]  # the Host headers served (against DNS rebinding)
KERNEL_IDLE_SECONDS = 120  # a page's kernel is shut down this long after the page closed
CULL_INTERVAL_SECONDS = 30  # how often closed pages' kernels are looked for
CULL_ENV = "CSPMODEL_KERNEL_IDLE_SECONDS"  # a shorter wait (the browser test: seconds)
TOKEN_ENV = "CSPMODEL_DASHBOARD_TOKEN"


def dashboard_config(token: str) -> Any:  # noqa: ANN401 - a traitlets Config
    """The Voila configuration: a kernel started ahead for the next page, the access token
    (only who has the URL, i.e. the user who started it, gets in), and idle kernels culled once
    their page is gone (a kernel waiting for its page is busy, never culled).

    Example:
        >>> dashboard_config("t").Voila.token
        't'
    """
    from traitlets.config import Config

    config = Config()
    config.VoilaConfiguration.preheat_kernel = True  # one kernel always ready for the next page
    config.VoilaConfiguration.default_pool_size = 1
    config.VoilaKernelManager.fill_delay = 5.0  # the next page's kernel starts once this page
    # has its first figures, not competing with them for the processor
    config.Voila.token = token
    idle = int(os.environ.get(CULL_ENV, KERNEL_IDLE_SECONDS))
    config.MappingKernelManager.cull_idle_timeout = idle
    config.MappingKernelManager.cull_interval = max(1, min(CULL_INTERVAL_SECONDS, idle // 2))
    config.MappingKernelManager.cull_connected = False  # an open page keeps its kernel
    return config


def local_voila() -> type:
    """Voila serving only Host headers of this machine (Voila itself allows any)."""
    from voila.app import Voila

    class LocalVoila(Voila):
        def init_settings(self) -> dict[str, Any]:
            settings = super().init_settings()
            settings["allow_remote_access"] = False
            settings["local_hostnames"] = LOCAL_HOSTS
            return settings

    return LocalVoila


def main(argv: list[str] | None = None) -> None:
    """Serve the dashboard until interrupted (Ctrl-C). The address it prints carries the access
    token (a new one each start, or ``$CSPMODEL_DASHBOARD_TOKEN``).

    Example:
        >>> main(["--port", "8866"])  # doctest: +SKIP
    """
    import secrets

    parser = argparse.ArgumentParser(prog="python -m cspmodel.dashboard",
                                     description="Serve the cspmodel explorer with Voila on "
                                     "127.0.0.1.")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 8866)")
    args = parser.parse_args(argv)
    token = os.environ.get(TOKEN_ENV) or secrets.token_urlsafe(24)
    print(f"Serving the explorer on http://127.0.0.1:{args.port}/?token={token} "
          f"(add &scenario=<name> to pick one of scenarios/); Ctrl-C stops it.", flush=True)
    local_voila().launch_instance(argv=voila_argv(args.port), config=dashboard_config(token))


if __name__ == "__main__":
    main()
