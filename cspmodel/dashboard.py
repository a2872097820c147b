"""The explorer as a web page for partners who don't code: Voila serves
``notebooks/explorer.ipynb`` with its code hidden, on this machine only (127.0.0.1).

``?scenario=<name>`` in the address picks a file of ``scenarios/``: Voila's prelaunch hook
writes it into the notebook's ``parameters`` cell with papermill before the kernel starts.

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


def prelaunch_hook(req: Any, notebook: Any, cwd: str) -> Any:
    """Voila's prelaunch hook: ``?scenario=<name>`` becomes the notebook's ``scenario_path``
    parameter (papermill's parameterize); without it the notebook's own default stands."""
    from papermill.parameterize import parameterize_notebook

    name = req.get_argument("scenario", None)
    if not name:
        return notebook
    # papermill's own loader adds these before it parameterizes; Voila's does not
    for cell in notebook.cells:
        cell.metadata.setdefault("tags", [])
    notebook.metadata.setdefault("papermill", {})
    return parameterize_notebook(notebook, {"scenario_path": scenario_path_for(name)})


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
    """The Voila configuration: the scenario hook, the access token (only who has the URL,
    i.e. the user who started it, gets in), and idle kernels culled once their page is gone.

    Example:
        >>> dashboard_config("t").Voila.token
        't'
    """
    from traitlets.config import Config

    config = Config()
    config.VoilaConfiguration.prelaunch_hook = prelaunch_hook
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
