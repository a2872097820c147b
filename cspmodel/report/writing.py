"""Writing a report: the file's content for a format, written in one step (a temporary file,
then a rename), and the batch's comparison page written again to link it.

Example:
    >>> write_report(load_source("scenarios/x.yaml"), "xlsx", "x.xlsx")  # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path

from ..util import atomic_write_bytes, atomic_write_text
from .deck import deck_bytes
from .page import html_page
from .slides import slides_page
from .source import FORMATS, Source, SourceError
from .workbook import workbook_bytes


def render(source: Source, fmt: str, out: Path) -> bytes:
    """The file's content for ``fmt``."""
    if fmt == "html":
        return html_page(source, out).encode("utf-8")
    if fmt == "slides":
        return slides_page(source).encode("utf-8")
    if fmt == "pptx":
        return deck_bytes(source)
    if fmt == "xlsx":
        return workbook_bytes(source)
    raise SourceError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def write_report(source: Source, fmt: str, out: str | os.PathLike[str] | None = None) -> Path:
    """Write the report of ``source`` in ``fmt`` to ``out`` (default
    :meth:`Source.default_out`) in one step (a temporary file, then a rename); a file written
    into a batch folder is linked from its index.html. Returns the file written."""
    if fmt not in FORMATS:
        raise SourceError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    target = Path(out) if out is not None else source.default_out(fmt)
    if target.is_dir():
        raise SourceError(f"--out {target}: is a folder; name a file")
    data = render(source, fmt, target)
    atomic_write_bytes(target, data)
    if source.kind == "batch" and target.parent.resolve() == source.path.resolve():
        link_in_index(source.path)
    return target


def link_in_index(folder: Path) -> None:
    """Write the batch folder's index.html again, so that it links the presentation files now
    present (the slides, deck and workbook)."""
    from ..batch import index_page

    if (folder / "index.html").is_file() and (folder / "batch.json").is_file():
        atomic_write_text(folder / "index.html", index_page(folder))
