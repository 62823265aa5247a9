"""The MNS API without sockets: routes, status codes, error XML, signatures.

Signatures are made by the ``aliyun-mns-sdk`` client's own signer, so the check agrees with
what real clients send; the end-to-end behaviour through the SDK is in
``tests/integration/test_mnsqueue_sdk.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
from mns.auth import Credentials as SdkCredentials
from mns.mns_client import MNSClient

from worker.local.mnsqueue import Credentials, QueueStore
from worker.local.mnsqueue.api import MnsApi, Request, Response
from worker.local.mnsqueue.auth import verify
from worker.local.mnsqueue.errors import (
    InvalidAccessKeyId,
    InvalidAuthorizationHeader,
    MissingAuthorizationHeader,
    SignatureDoesNotMatch,
)

NS = "{http://mns.aliyuncs.com/doc/v1/}"
HOST = {"host": "127.0.0.1:9"}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[MnsApi]:
    with QueueStore(tmp_path / "queue.db") as store:
        yield MnsApi(store, base_url="http://127.0.0.1:9")


def call(api: MnsApi, method: str, target: str, body: bytes = b"") -> Response:
    return api.handle(Request(method=method, target=target, headers=HOST, body=body), "REQ1")


def fields(response: Response) -> dict[str, str]:
    root = ElementTree.fromstring(response.body)
    return {child.tag.removeprefix(NS): child.text or "" for child in root}


def sdk_signed(method: str, target: str, key: str = "secret") -> dict[str, str]:
    headers = {
        "x-mns-version": "2015-06-06",
        "date": "Mon, 01 Jan 2024 00:00:00 GMT",
        "content-type": "text/xml;charset=UTF-8",
    }
    client = MNSClient("http://127.0.0.1:9", "id", key)
    headers["authorization"] = client.get_signature(
        method, headers, target, SdkCredentials("id", key, "")
    )
    return headers


def test_signature_of_the_sdk_is_accepted() -> None:
    target = "/queues/jobs/messages?waitseconds=3"
    verify(Credentials("id", "secret"), "GET", target, sdk_signed("GET", target))


@pytest.mark.parametrize(
    ("headers", "error"),
    [
        ({}, MissingAuthorizationHeader),
        ({"authorization": "Bearer abc"}, InvalidAuthorizationHeader),
        ({"authorization": "MNS no-colon"}, InvalidAuthorizationHeader),
        ({"authorization": "MNS other:abc="}, InvalidAccessKeyId),
        (sdk_signed("GET", "/queues/jobs", key="wrong"), SignatureDoesNotMatch),
        (sdk_signed("GET", "/queues/other"), SignatureDoesNotMatch),
    ],
)
def test_bad_signatures_get_the_mns_error(headers: dict[str, str], error: type[Exception]) -> None:
    with pytest.raises(error):
        verify(Credentials("id", "secret"), "GET", "/queues/jobs", headers)


def test_without_credentials_any_request_is_accepted() -> None:
    verify(None, "GET", "/queues/jobs", {"authorization": "MNS x:y"})


def test_errors_are_mns_error_xml_with_the_request_id(api: MnsApi) -> None:
    response = call(api, "GET", "/queues/nothere")
    assert response.status == 404
    assert fields(response) == {
        "Code": "QueueNotExist",
        "Message": "The queue name you provided is not exist.",
        "RequestId": "REQ1",
        "HostId": "http://127.0.0.1:9",
    }


@pytest.mark.parametrize(
    ("method", "target", "code"),
    [
        ("GET", "/", "InvalidRequestURL"),
        ("POST", "/queues/jobs", "InvalidRequestURL"),
        ("GET", "/queues/jobs/other", "InvalidRequestURL"),
        ("GET", "/topics/t", "InvalidRequestURL"),
        ("PUT", "/queues/jobs/messages?VisibilityTimeout=3", "MissingReceiptHandle"),
        ("PUT", "/queues/jobs/messages?ReceiptHandle=1-ab", "MissingVisibilityTimeout"),
        ("GET", "/queues/jobs/messages?waitseconds=x", "InvalidArgument"),
        ("GET", "/queues/jobs/messages?waitseconds=31", "InvalidArgument"),
        ("GET", "/queues/jobs/messages?numOfMessages=17", "InvalidArgument"),
        ("PUT", "/queues/bad_name", "InvalidQueueName"),
    ],
)
def test_bad_requests_get_400(api: MnsApi, method: str, target: str, code: str) -> None:
    response = call(api, method, target)
    assert (response.status, fields(response)["Code"]) == (400, code)


def test_malformed_xml_is_refused(api: MnsApi) -> None:
    response = call(api, "POST", "/queues/jobs/messages", b"<Message><MessageBody>x")
    assert (response.status, fields(response)["Code"]) == (400, "MalformedXML")


def test_create_queue_answers_201_with_location_then_204_then_409(api: MnsApi) -> None:
    body = b"<Queue xmlns='http://mns.aliyuncs.com/doc/v1/'><VisibilityTimeout>5</VisibilityTimeout></Queue>"
    created = call(api, "PUT", "/queues/jobs", body)
    assert created.status == 201
    assert created.headers["Location"] == "http://127.0.0.1:9/queues/jobs"
    assert call(api, "PUT", "/queues/jobs", body).status == 204
    conflict = call(api, "PUT", "/queues/jobs", body.replace(b">5<", b">6<"))
    assert (conflict.status, fields(conflict)["Code"]) == (409, "QueueAlreadyExist")
    assert (
        call(api, "PUT", "/queues/jobs?metaoverride=true", body.replace(b">5<", b">6<")).status
        == 204
    )
    assert fields(call(api, "GET", "/queues/jobs"))["VisibilityTimeout"] == "6"


def test_body_with_xml_characters_round_trips(api: MnsApi) -> None:
    text = 'a <b> & "c" \u4e2d'
    message = ElementTree.Element("Message")
    ElementTree.SubElement(message, "MessageBody").text = text
    sent = call(api, "POST", "/queues/jobs/messages", ElementTree.tostring(message))
    assert sent.status == 201
    received = call(api, "GET", "/queues/jobs/messages?waitseconds=0")
    assert received.status == 200
    assert fields(received)["MessageBody"] == text
    assert fields(received)["MessageBodyMD5"] == fields(sent)["MessageBodyMD5"]


def test_query_names_are_case_insensitive(api: MnsApi) -> None:
    call(api, "POST", "/queues/jobs/messages", b"<Message><MessageBody>x</MessageBody></Message>")
    handle = fields(call(api, "GET", "/queues/jobs/messages"))["ReceiptHandle"]
    changed = call(api, "PUT", f"/queues/jobs/messages?receiptHandle={handle}&visibilityTimeout=9")
    assert changed.status == 200
    new_handle = fields(changed)["ReceiptHandle"]
    assert call(api, "DELETE", f"/queues/jobs/messages?receipthandle={new_handle}").status == 204


def test_empty_receive_and_peek_are_message_not_exist(api: MnsApi) -> None:
    call(api, "PUT", "/queues/jobs")
    for target in ("/queues/jobs/messages?waitseconds=0", "/queues/jobs/messages?peekonly=true"):
        response = call(api, "GET", target)
        assert (response.status, fields(response)["Code"]) == (404, "MessageNotExist")


def test_unexpected_failures_are_internal_errors(api: MnsApi) -> None:
    api.store.close()
    response = call(api, "GET", "/queues/jobs")
    assert (response.status, fields(response)["Code"]) == (500, "InternalError")
