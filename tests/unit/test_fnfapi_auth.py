"""The API's signature, authentication and parameter rules, without a server."""

from __future__ import annotations

import string
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alibabacloud_tea_openapi.utils import Utils
from hypothesis import given
from hypothesis import strategies as st

from worker.fnfapi.auth import Authenticator, KeysError, check_bind, load_keys, load_keys_file
from worker.fnfapi.errors import ApiError, api_error
from worker.fnfapi.params import Params, parse_params
from worker.fnfapi.signature import sign

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC).timestamp()
TEXT = st.text(alphabet=string.printable + "äé中🙂", max_size=30)


@given(st.dictionaries(st.text(string.ascii_letters, min_size=1, max_size=12), TEXT, max_size=8))
def test_our_signature_is_the_sdks(params: dict[str, str]) -> None:
    for method in ("GET", "POST"):
        theirs = Utils.get_rpcsignature(params, method, "secret")
        assert sign("secret", method, params) == theirs


def request(**overrides: str) -> dict[str, str]:
    params = {
        "Action": "DescribeFlow",
        "Version": "2019-03-15",
        "Name": "orders",
        "Timestamp": "2026-03-01T12:00:00Z",
        "SignatureNonce": "n-1",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "AccessKeyId": "ak",
        **overrides,
    }
    return {**params, "Signature": sign("sk", "GET", params)}


def refusal(auth: Authenticator, params: dict[str, str], method: str = "GET") -> tuple[str, int]:
    with pytest.raises(ApiError) as refused:
        auth.check(method, params)
    return refused.value.code, refused.value.status


def verifier() -> Authenticator:
    return Authenticator(keys={"ak": "sk"}, clock=lambda: NOW)


def test_a_signed_request_passes_once_and_its_nonce_is_refused_after() -> None:
    auth = verifier()
    auth.check("GET", request())
    assert refusal(auth, request()) == ("SignatureNonceUsed", 400)
    auth.check("GET", request(SignatureNonce="n-2"))


def test_wrong_secret_altered_parameter_and_other_method_do_not_match() -> None:
    auth = verifier()
    wrong = request()
    wrong["Signature"] = sign("not-the-secret", "GET", {k: v for k, v in wrong.items()})
    assert refusal(auth, wrong) == ("SignatureNotMatch", 403)
    assert refusal(auth, {**request(), "Name": "payments"}) == ("SignatureNotMatch", 403)
    assert refusal(auth, request(), method="POST") == ("SignatureNotMatch", 403)


def test_unknown_key_stale_or_future_timestamp_and_missing_fields() -> None:
    auth = verifier()
    assert refusal(auth, request(AccessKeyId="other")) == ("InvalidAccessKeyID", 403)
    assert refusal(auth, request(Timestamp="2026-03-01T11:44:59Z")) == ("RequestTimeTooSkewed", 403)
    assert refusal(auth, request(Timestamp="2026-03-01T12:15:01Z")) == ("RequestTimeTooSkewed", 403)
    auth.check("GET", request(Timestamp="2026-03-01T11:45:01Z"))  # inside the 15 minutes
    assert refusal(auth, request(Timestamp="yesterday")) == ("InvalidArgument", 400)
    for name in ("AccessKeyId", "Signature", "Timestamp", "SignatureNonce"):
        params = request()
        del params[name]
        assert refusal(auth, params) == ("MissingRequiredParams", 400)
    assert refusal(auth, request(SignatureMethod="HMAC-SHA256")) == ("InvalidArgument", 400)


def test_a_rejected_request_does_not_use_up_its_nonce() -> None:
    auth = verifier()
    bad = request(SignatureNonce="n-9")
    bad["Signature"] = "AAAA"
    assert refusal(auth, bad) == ("SignatureNotMatch", 403)
    auth.check("GET", request(SignatureNonce="n-9"))


def test_the_open_mode_accepts_anything_and_binds_only_to_loopback() -> None:
    Authenticator(keys=None).check("GET", {"AccessKeyId": "whoever"})
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        check_bind(host, True)
    for host in ("0.0.0.0", "::", "192.0.2.1"):
        with pytest.raises(KeysError, match="loopback only"):
            check_bind(host, True)
        check_bind(host, False)  # with keys, any interface


def test_keys_come_from_options_and_a_keys_file(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.write_text("# team keys\nak1 sk1\n\nak2   sk2\n")
    assert load_keys("ak3", "sk3", keys) == {"ak1": "sk1", "ak2": "sk2", "ak3": "sk3"}
    assert load_keys("ak", "sk", None) == {"ak": "sk"}
    keys.write_text("ak1 sk1 extra\n")
    with pytest.raises(KeysError, match=r"keys:1: expected 'ACCESS_KEY_ID ACCESS_KEY_SECRET'"):
        load_keys_file(keys)
    with pytest.raises(KeysError, match="cannot read"):
        load_keys_file(tmp_path / "missing")
    with pytest.raises(KeysError, match="both"):
        load_keys("ak", None, None)
    with pytest.raises(KeysError, match="no access keys"):
        load_keys(None, None, None)


def test_query_and_form_merge_and_bad_text_is_invalid_argument() -> None:
    form = "application/x-www-form-urlencoded; charset=utf-8"
    params = parse_params(b"Action=A&Timestamp=2026-03-01T12:00:00Z", b"Input=%7B%7D&x=a+b", form)
    assert params == {"Action": "A", "Timestamp": "2026-03-01T12:00:00Z", "Input": "{}", "x": "a b"}
    assert parse_params(b"a=1", b"b=2", "application/json") == {"a": "1"}
    with pytest.raises(ApiError, match="not UTF-8"):
        parse_params(b"a=%ff", b"", "")
    with pytest.raises(ApiError, match="more than 200"):
        parse_params("&".join(f"k{i}=v" for i in range(201)).encode(), b"", "")


def test_typed_parameters_name_the_parameter_and_the_value() -> None:
    params = Params({"Limit": "x", "Wait": "99", "Enable": "True", "Input": "[1]", "Bad": "{",
                     "Name": "9lives", "At": "2026-01-01T00:00:00", "Nan": "NaN"})  # fmt: skip
    with pytest.raises(ApiError, match="Limit must be a whole number, got 'x'"):
        params.integer("Limit", 60, 1, 100)
    with pytest.raises(ApiError, match="Wait must be between 0 and 60, got 99"):
        params.integer("Wait", 0, 0, 60)
    assert params.boolean("Enable") is True and params.boolean("Missing") is None
    with pytest.raises(ApiError, match="Input must be a JSON object, got list"):
        params.json_object("Input")
    with pytest.raises(ApiError, match="Bad is not valid JSON"):
        params.json_object("Bad")
    with pytest.raises(ApiError, match="Nan is not valid JSON"):
        params.json_object("Nan")
    with pytest.raises(ApiError, match="invalid flow name '9lives'"):
        params.name("Name", "flow")
    with pytest.raises(ApiError, match="needs a time zone"):
        params.time("At")
    with pytest.raises(ApiError) as missing:
        params.required("FlowName")
    assert (missing.value.code, missing.value.message) == (
        "MissingRequiredParams",
        "The HTTP query 'FlowName' must be specified.",
    )


def test_service_errors_map_to_the_original_codes_and_statuses() -> None:
    from translator.compile import compile_text
    from worker.service.errors import (
        ExecutionAlreadyExists,
        FlowNotExists,
        InvalidTaskToken,
        TaskAlreadyCompleted,
    )

    cases = {
        FlowNotExists("flow 'x' does not exist"): ("FlowNotExists", 404),
        ExecutionAlreadyExists("done"): ("ExecutionAlreadyExists", 400),
        TaskAlreadyCompleted("ended"): ("TaskAlreadyCompleted", 400),
        InvalidTaskToken("forged"): ("InvalidArgument", 400),
        ValueError("bad cron"): ("InvalidArgument", 400),
        RuntimeError("bug"): ("InternalServerError", 500),
    }
    for exc, expected in cases.items():
        error = api_error(exc)
        assert (error.code, error.status) == expected
        assert "Traceback" not in error.message and "bug" not in error.message
    assert api_error(FlowNotExists("flow 'x' does not exist")).message == "flow 'x' does not exist"
    try:
        compile_text("version: v1\ntype: flow\nsteps: 3\n", filename="<definition>")
    except Exception as exc:
        error = api_error(exc)
    assert error.code == "InvalidArgument" and "\n" not in error.message
    assert "steps" in error.message
