"""The explorer as a web page for partners who don't code: Voila serves
``notebooks/explorer.ipynb`` with its code hidden, on this machine only (127.0.0.1).

``?scenario=<name>`` in the address picks a file of ``scenarios/``: Voila's prelaunch hook
writes it into the notebook's ``parameters`` cell with papermill before the kernel starts.

Run it with ``make dashboard`` (or ``python -m cspmodel.dashboard --port 8866``), then open
http://127.0.0.1:8866/?scenario=small_indirect_msp

Example:
    >>> scenario_path_for("small_indirect_msp").endswith("scenarios/small_indirect_msp.yaml")
    True
    >>> scenario_path_for("../../etc/passwd")      # only names of files in scenarios/
    'scenarios/etcpasswd.yaml'
"""

from __future__ import annotations

import argparse
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


def main(argv: list[str] | None = None) -> None:
    """Serve the dashboard until interrupted (Ctrl-C).

    Example:
        >>> main(["--port", "8866"])  # doctest: +SKIP
    """
    from traitlets.config import Config
    from voila.app import Voila

    parser = argparse.ArgumentParser(prog="python -m cspmodel.dashboard",
                                     description="Serve the cspmodel explorer with Voila on "
                                     "127.0.0.1.")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 8866)")
    args = parser.parse_args(argv)
    config = Config()
    config.VoilaConfiguration.prelaunch_hook = prelaunch_hook
    print(f"Serving the explorer on http://127.0.0.1:{args.port}/ "
          f"(add ?scenario=<name> to pick one of scenarios/); Ctrl-C stops it.", flush=True)
    Voila.launch_instance(argv=voila_argv(args.port), config=config)


if __name__ == "__main__":
    main()
