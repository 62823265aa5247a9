"""How fdl's payloads are written and read: plain JSON, fields in declaration order.

Temporal's default JSON converter writes a dataclass with its keys sorted (a
:class:`~worker.contract.run.FlowRun` showed ``definition``, thousands of lines of IR, before
the execution ``input`` in the Web UI's Input pane) and reads one back by resolving its type
hints again for every payload, which is a fair part of the worker's time per function call.
:class:`ContractPayloadConverter` writes the contract's dataclasses (every dataclass of
:mod:`worker.contract`) with their fields in declaration order, and reads them back through a
plan made once per class. The JSON is the same JSON: payloads written by either converter read
back with either, and anything else goes to the default converter unchanged.

Every client and worker of fdl uses :data:`DATA_CONVERTER`.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Callable
from typing import Any

import temporalio.api.common.v1
import temporalio.api.failure.v1
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
    PayloadConverter,
)

from worker.contract.outcome import ExecutionFailure

Decode = Callable[[Any], Any]


def _is_contract(cls: Any) -> bool:
    return (
        isinstance(cls, type)
        and dataclasses.is_dataclass(cls)
        and cls.__module__.startswith("worker.contract")
    )


_WRITES: dict[type, list[tuple[str, Decode]]] = {}
_PLANS: dict[type, list[tuple[str, Decode]]] = {}


def encode(value: Any) -> Any:
    """A contract dataclass (and what it holds) as JSON data, fields in declaration order.

    Fields holding JSON data (an execution input, a step's local) are taken as they are: only
    fields typed as contract dataclasses (or lists of them) are written field by field.
    """
    cls = type(value)
    plan = _WRITES.get(cls)
    if plan is None:
        hints = typing.get_type_hints(cls)
        plan = _WRITES[cls] = [(f.name, _encoder(hints[f.name])) for f in dataclasses.fields(cls)]
    return {name: write(getattr(value, name)) for name, write in plan}


def _encoder(hint: Any) -> Decode:
    args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
    if (isinstance(hint, type) and _is_contract(hint)) or any(map(_is_contract, args)):
        return _contract_data
    return _same


def _contract_data(value: Any) -> Any:
    if _is_contract(type(value)):
        return encode(value)
    if isinstance(value, list | tuple):
        return [_contract_data(item) for item in value]
    return value


def decode(cls: type, data: Any) -> Any:
    """Build the contract dataclass ``cls`` from JSON data (unknown keys are ignored)."""
    plan = _PLANS.get(cls)
    if plan is None:
        hints = typing.get_type_hints(cls)
        plan = _PLANS[cls] = [(f.name, _decoder(hints[f.name])) for f in dataclasses.fields(cls)]
    if not isinstance(data, dict):
        raise TypeError(f"cannot read a {cls.__name__} from {type(data).__name__}")
    return cls(**{name: read(data[name]) for name, read in plan if name in data})


def _same(value: Any) -> Any:
    return value


def _decoder(hint: Any) -> Decode:
    """How to read a field of type ``hint``: JSON values as they are, dataclasses by plan."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if isinstance(hint, type) and _is_contract(hint):
        return lambda data: decode(hint, data)
    if origin in (typing.Union, types.UnionType):
        members = [arg for arg in args if arg is not type(None)]
        if len(members) == 1:
            inner = _decoder(members[0])
            return lambda data: None if data is None else inner(data)
        if all(_is_contract(member) for member in members):
            return _by_kind(members)
    if hint is float or (origin in (typing.Union, types.UnionType) and float in args):
        # JSON writes 1.0 as 1: a float field reads back as a float, as type hints promise.
        return lambda data: data if data is None or isinstance(data, bool) else float(data)
    if origin in (list, tuple) and args and _is_contract(args[0]):
        item = _decoder(args[0])
        if origin is tuple:
            return lambda data: tuple(item(x) for x in data)
        return lambda data: [item(x) for x in data]
    return _same  # Any, dicts, lists and scalars of JSON: taken as they are


def _by_kind(members: list[Any]) -> Decode:
    """A union of contract dataclasses: the member whose ``kind`` the data names."""
    kinds = {typing.get_args(typing.get_type_hints(m)["kind"])[0]: m for m in members}
    return lambda data: None if data is None else decode(kinds[data["kind"]], data)


class ContractJSONConverter(JSONPlainPayloadConverter):
    """``json/plain`` with the contract's dataclasses written in field order, read by plan."""

    def to_payload(self, value: Any) -> temporalio.api.common.v1.Payload | None:
        """See base class."""
        if not _is_contract(type(value)):
            return super().to_payload(value)
        text = json.dumps(encode(value), separators=(",", ":"))
        return temporalio.api.common.v1.Payload(
            metadata={"encoding": self.encoding.encode()}, data=text.encode()
        )

    def from_payload(
        self, payload: temporalio.api.common.v1.Payload, type_hint: type | None = None
    ) -> Any:
        """See base class."""
        if type_hint is None or not isinstance(type_hint, type) or not _is_contract(type_hint):
            return super().from_payload(payload, type_hint)
        return decode(type_hint, json.loads(payload.data))


class ContractPayloadConverter(DefaultPayloadConverter):
    """Temporal's default payload converter with :class:`ContractJSONConverter` for JSON."""

    def __init__(self) -> None:
        converters = [
            ContractJSONConverter() if isinstance(c, JSONPlainPayloadConverter) else c
            for c in DefaultPayloadConverter.default_encoding_payload_converters
        ]
        super(DefaultPayloadConverter, self).__init__(*converters)


class ContractFailureConverter(DefaultFailureConverter):
    """Temporal's failure converter, except that a failed execution's failure
    (:class:`~worker.contract.outcome.ExecutionFailure`) shows its summary, the FDL error and
    the failing step, where a failure's stack trace goes: that is what the Temporal Web UI
    shows under a failed workflow's message."""

    def to_failure(
        self,
        exception: BaseException,
        payload_converter: PayloadConverter,
        failure: temporalio.api.failure.v1.Failure,
    ) -> None:
        super().to_failure(exception, payload_converter, failure)
        if isinstance(exception, ExecutionFailure):
            failure.stack_trace = exception.summary


DATA_CONVERTER = dataclasses.replace(
    DataConverter.default,
    payload_converter_class=ContractPayloadConverter,
    failure_converter_class=ContractFailureConverter,
)
"""The data converter of every fdl client and worker."""
