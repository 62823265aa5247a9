"""Every command's ``--help`` says what its source says, and every group lists its commands.

The help is rendered by rich as Markdown, which silently drops or reshapes some text: an
``<a>-<b>`` reads as HTML and disappears, ``*`` and ``_`` become emphasis. So every word of
every command's docstring and of every option's help must appear in the rendered ``--help``
(Markdown's own marks, backticks and ``**``, aside); and a group's help must name each of its
commands.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib import metadata
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from cli.app import app

BOX = re.compile(r"[│╭╮╰╯─┌┐└┘├┤┬┴┼]")


def commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command under ``command`` (typer's own click: groups have ``commands``)."""
    yield path, command
    for name, child in getattr(command, "commands", {}).items():
        yield from commands(child, (*path, name))


ROOT = typer.main.get_command(app)
ALL = list(commands(ROOT))


def rendered_help(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    return " ".join(BOX.sub(" ", result.output).split())


def words(text: str) -> list[str]:
    """The words of a help text as they must show: Markdown's code and bold marks removed."""
    plain = text.replace("`", "").replace("**", "")
    return [word for word in plain.split() if word]


@pytest.mark.parametrize("path", [path for path, _ in ALL], ids=lambda p: " ".join(p) or "fdl")
def test_every_word_of_the_help_shows(path: tuple[str, ...]) -> None:
    command = dict(ALL)[path]
    shown = rendered_help(path)
    sources = [command.help or ""] + [
        getattr(param, "help", None) or "" for param in command.params
    ]
    missing = [word for text in sources for word in words(text) if word not in shown]
    assert missing == [], f"fdl {' '.join(path)} --help lost {missing}"


@pytest.mark.parametrize(
    "path",
    [path for path, c in ALL if hasattr(c, "commands")],
    ids=lambda p: " ".join(p) or "fdl",
)
def test_every_group_lists_all_its_commands(path: tuple[str, ...]) -> None:
    group = dict(ALL)[path]
    shown = rendered_help(path).split()
    assert sorted(name for name in group.commands if name not in shown) == []


def test_the_check_catches_text_markdown_drops() -> None:
    sample = typer.Typer(rich_markup_mode="markdown")

    @sample.command()
    def lost() -> None:
        """Named <schedule>-<unix seconds>."""

    result = CliRunner().invoke(sample, ["--help"])
    assert "<schedule>-<unix" in words("Named <schedule>-<unix seconds>.")
    assert "<schedule>-<unix" not in result.output


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert (result.exit_code, result.stdout) == (
        0,
        f"fdl-temporal {metadata.version('fdl-temporal')}\n",
    )
