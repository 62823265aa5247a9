"""Function Compute-style handlers of the orders example (``handler(event, context)``)."""

import json

_calls: dict[str, int] = {}


class StockServiceBusy(Exception):
    """Raised once for an item named "flaky", to show FDL retry at work."""


class PaymentDeclined(Exception):
    """The card limit is 500."""


def price(event, context):
    item = json.loads(event)["item"]
    _calls[item["name"]] = _calls.get(item["name"], 0) + 1
    if item["name"] == "flaky" and _calls[item["name"]] == 1:
        raise StockServiceBusy("stock service is busy, try again")
    return {"price": item["price"] * item.get("quantity", 1)}


def reserve(event, context):
    return json.dumps({"reservation": "R-" + context.request_id[:8]})


def charge(event, context):
    amount = sum(json.loads(event)["prices"])
    if amount > 500:
        raise PaymentDeclined(f"amount {amount} exceeds the card limit")
    return {"charged": amount}
