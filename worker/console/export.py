"""Standalone exports of a graph: an SVG file, or an HTML page holding it (no server, no JS)."""

from __future__ import annotations

from pathlib import Path

_TEMPLATES = Path(__file__).resolve().parent / "templates"


def html_page(title: str, graph_svg: str) -> str:
    """An HTML document showing ``graph_svg`` under a title."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    environment = Environment(
        loader=FileSystemLoader(str(_TEMPLATES)), autoescape=select_autoescape(["html"])
    )
    template = environment.get_template("export.html")
    return template.render(title=title, graph=graph_svg)


def write(path: Path, text: str) -> None:
    """Write an export; a directory that does not exist is an error, not created."""
    path.write_text(text, encoding="utf-8")
