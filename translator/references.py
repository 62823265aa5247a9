"""What a flow names outside itself: the resources of its task steps, with their key paths.

Checks against a project (is every function bound, can every queue be used) run on the
compiled flow, and point at the ``resourceArn`` of the step that names the resource through
its key path, located in the source with :func:`translator.source.locate`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from translator import ir

Loc = tuple[str | int, ...]
"""A key path as parts: ``("steps", 2, "branches", 0, "steps", 1, "resourceArn")``."""


@dataclass(frozen=True, slots=True)
class Reference:
    """One task's resource and where its ``resourceArn`` is (or ``action``)."""

    resource: ir.Resource
    loc: Loc

    @property
    def path(self) -> str:
        """The FDL key path, e.g. ``steps[2].branches[0].steps[1].resourceArn``."""
        text = ""
        for part in self.loc:
            text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
        return text


def references(flow: ir.Flow) -> list[Reference]:
    """Every task's resource in ``flow``, in document order."""
    return list(_in_steps(flow.steps, ("steps",)))


def _in_steps(steps: tuple[ir.Step, ...], at: Loc) -> Iterator[Reference]:
    for index, step in enumerate(steps):
        here = (*at, index)
        if isinstance(step, ir.TaskStep):
            key = "action" if isinstance(step.resource, ir.ActionResource) else "resourceArn"
            yield Reference(step.resource, (*here, key))
        elif isinstance(step, ir.ChoiceStep):
            for number, option in enumerate(step.choices):
                yield from _in_steps(option.steps, (*here, "choices", number, "steps"))
            if step.default is not None:
                yield from _in_steps(step.default.steps, (*here, "default", "steps"))
        elif isinstance(step, ir.ParallelStep):
            for number, branch in enumerate(step.branches):
                yield from _in_steps(branch.steps, (*here, "branches", number, "steps"))
        elif isinstance(step, ir.ForeachStep):
            yield from _in_steps(step.steps, (*here, "steps"))
