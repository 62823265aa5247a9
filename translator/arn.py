"""Task targets: ``resourceArn`` and ``action`` strings -> IR resources (reference section 8).

ARNs have the form ``acs:{service}:{region}:{account}:{resource}``. Region and account may be
empty ("the flow's own") or anything without ``:``, ``/`` or spaces, so deployment
placeholders such as ``{accountID}`` pass unchanged. The names inside the resource part follow
the owning service's rules, so a leftover template placeholder such as ``<serviceName>`` is
caught here rather than at run time.
"""

from __future__ import annotations

import re

from translator import ir, rules

FC_FORM = "acs:fc:{region}:{account}:services/{service}[.{qualifier}]/functions/{function}"
MNS_FORM = "acs:mns:{region}:{account}:/queues/{queue}/messages (or /topics/{topic}/messages)"
FLOW_FORM = "acs:fnf:::flow/{name}"

_SCOPE = re.compile(r"[^\s:/]*")
_FC_RESOURCE = re.compile(r"services/([^/.]*)(?:\.([^/]*))?/functions/([^/]*)")
_MNS_RESOURCE = re.compile(r"/(queues|topics)/([^/]*)/messages")
_FLOW_RESOURCE = re.compile(r"flow/([^/]*)")
_ACTION = re.compile(r"([A-Za-z][A-Za-z0-9-]*):([A-Za-z][A-Za-z0-9]*)")

_QUALIFIER = re.compile(r"[A-Za-z0-9_-]{1,128}")
_MNS_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,255}")

_MNS_NAME_RULE = "letters, digits and '-', starting with a letter, at most 256"


class ArnError(ValueError):
    """A ``resourceArn`` or ``action`` is malformed; the message names it and the expected form."""


def parse_resource_arn(arn: str) -> ir.Resource:
    """Parse a task's ``resourceArn``.

    Args:
        arn: the ARN text.

    Returns:
        A function, queue, topic or flow resource.

    Raises:
        ArnError: the ARN is malformed or names a service tasks cannot call.
    """
    parts = arn.split(":", 4)
    if len(parts) != 5 or parts[0] != "acs":
        raise ArnError(
            f"'{arn}' is not an Alibaba Cloud ARN: expected an FC function, MNS queue or topic, "
            "or flow ARN such as acs:fc:::services/{service}/functions/{function}"
        )
    _, service, region, account, resource = parts
    for label, scope in (("region", region), ("account", account)):
        if not _SCOPE.fullmatch(scope):
            raise ArnError(f"invalid {label} '{scope}' in '{arn}'")
    if service == "fc":
        return _function(arn, region, account, resource)
    if service == "mns":
        return _message_target(arn, region, account, resource)
    if service == "fnf":
        return _flow(arn, resource)
    raise ArnError(
        f"unsupported service '{service}' in '{arn}': a task can call fc (functions), "
        "mns (queues and topics) or fnf (flows); other cloud APIs go in 'action'"
    )


def parse_action(action: str) -> ir.ActionResource:
    """Parse a task's ``action`` (``product:ApiName``, e.g. ``fnf:StartExecution``).

    Raises:
        ArnError: the text is not of that form.
    """
    match = _ACTION.fullmatch(action)
    if match is None:
        raise ArnError(
            f"invalid action '{action}': expected product:ApiName, e.g. fnf:StartExecution"
        )
    return ir.ActionResource(product=match[1], api=match[2])


def _function(arn: str, region: str, account: str, resource: str) -> ir.FunctionResource:
    match = _FC_RESOURCE.fullmatch(resource)
    if match is None:
        raise ArnError(f"'{arn}' is not an FC function ARN: expected {FC_FORM}")
    service, qualifier, function = match.groups()
    _check_name(arn, "FC service", service, rules.NAME_PATTERN, rules.NAME_RULE)
    _check_name(arn, "FC function", function, rules.NAME_PATTERN, rules.NAME_RULE)
    if qualifier is not None:
        _check_name(arn, "qualifier", qualifier, _QUALIFIER, "letters, digits, '_' and '-'")
    return ir.FunctionResource(
        arn=arn,
        region=region,
        account=account,
        service=service,
        function=function,
        qualifier=qualifier,
    )


def _message_target(
    arn: str, region: str, account: str, resource: str
) -> ir.QueueResource | ir.TopicResource:
    match = _MNS_RESOURCE.fullmatch(resource)
    if match is None:
        raise ArnError(f"'{arn}' is not an MNS ARN: expected {MNS_FORM}")
    collection, name = match.groups()
    label = "MNS queue" if collection == "queues" else "MNS topic"
    _check_name(arn, label, name, _MNS_NAME, _MNS_NAME_RULE)
    if collection == "queues":
        return ir.QueueResource(arn=arn, region=region, account=account, queue=name)
    return ir.TopicResource(arn=arn, region=region, account=account, topic=name)


def _flow(arn: str, resource: str) -> ir.FlowResource:
    match = _FLOW_RESOURCE.fullmatch(resource)
    if match is None:
        raise ArnError(f"'{arn}' is not a flow ARN: expected {FLOW_FORM}")
    _check_name(arn, "flow", match[1], rules.NAME_PATTERN, rules.NAME_RULE)
    return ir.FlowResource(arn=arn, flow=match[1])


def _check_name(arn: str, label: str, name: str, rule: re.Pattern[str], explain: str) -> None:
    if not rule.fullmatch(name):
        raise ArnError(f"invalid {label} name '{name}' in '{arn}': use {explain}")
