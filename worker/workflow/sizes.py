"""Sizes of step data, measured once per value: the step data limit without quadratic work.

Every step checks that its input, ``$local`` and output fit the step data limit, and the
history recorder needs the size of every input and output it records. Serializing each value
each time costs the size of the value per step: inside a foreach the input of every step of
every iteration holds the whole collection, so a foreach of *n* items serialized the
collection *n* times (quadratic; 2,000 pass-only items took seconds, enough for Temporal to
take the activation for a deadlock).

The interpreter never changes a JSON value once it exists (step lists build a new local for
every step), so a container's size cannot change while the container is alive. :class:`Sizer`
remembers the sizes of large containers by identity (holding a reference, so the identity is
not reused), and sums small objects from the sizes of their members, so a new iteration input
``{**foreach_input, item: x}`` costs its few keys, not the collection again.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from translator.plainjson import utf8_size

REMEMBERED = 1024
"""Containers at least this many bytes long are remembered."""
CAPACITY = 4096
"""How many containers are remembered (least recently used ones are forgotten)."""
SUMMED_KEYS = 64
"""Objects with at most this many keys are sized from their members."""


class Sizer:
    """Compact UTF-8 JSON sizes (:func:`translator.plainjson.utf8_size`), remembered."""

    def __init__(self) -> None:
        self._known: OrderedDict[int, tuple[Any, int]] = OrderedDict()
        self._starts: OrderedDict[int, tuple[Any, str]] = OrderedDict()

    def size(self, value: Any) -> int:
        """Bytes of ``value`` as compact UTF-8 JSON."""
        if not isinstance(value, dict | list) or not value:
            return utf8_size(value)
        known = self._known.get(id(value))
        if known is not None and known[0] is value:
            self._known.move_to_end(id(value))
            return known[1]
        if isinstance(value, dict) and len(value) <= SUMMED_KEYS:
            size = self._object_size(value)
        else:
            size = utf8_size(value)
        if size >= REMEMBERED:
            self._known[id(value)] = (value, size)
            if len(self._known) > CAPACITY:
                self._known.popitem(last=False)
        return size

    def _object_size(self, value: dict[str, Any]) -> int:
        # Scalars together in one dump; each container member sized (and remembered) apart.
        scalars: dict[str, Any] = {}
        size = 2 + len(value) - 1  # braces and commas
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                size += utf8_size(key) + 1 + self.size(item)
            else:
                scalars[key] = item
        if scalars:  # its braces and its own commas are counted above
            size += utf8_size(scalars) - 2 - (len(scalars) - 1)
        return size

    def start(self, value: Any, limit: int) -> str:
        """The first ``limit`` characters of ``value`` as compact JSON text (not ASCII-escaped),
        built from the starts of its members, remembered for large containers: the preview of
        a huge event detail costs its length, not the detail's size."""
        if not isinstance(value, dict | list) or not value:
            return _text(value)[:limit]
        known = self._starts.get(id(value))
        if known is not None and known[0] is value and len(known[1]) >= limit:
            return known[1][:limit]
        size = self.size(value)
        text = _text(value)[:limit] if size <= 4 * limit else self._start_of(value, limit)
        if size >= REMEMBERED:
            self._starts[id(value)] = (value, text)
            if len(self._starts) > CAPACITY:
                self._starts.popitem(last=False)
        return text

    def _start_of(self, value: dict[str, Any] | list[Any], limit: int) -> str:
        pieces = ["{" if isinstance(value, dict) else "["]
        length = 1
        items = value.items() if isinstance(value, dict) else ((None, item) for item in value)
        for number, (key, item) in enumerate(items):
            head = ("," if number else "") + ("" if key is None else _text(key) + ":")
            piece = head + self.start(item, limit - length - len(head))
            pieces.append(piece)
            length += len(piece)
            if length >= limit:
                break
        return "".join(pieces)[:limit]


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
