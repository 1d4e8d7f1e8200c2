"""The wire format is declared once (robyn._wire): every function that receives the request fields
takes them under those names, in that order, and the result kinds are robyn.results' own."""

import inspect

import pytest

from robyn import _wire, results
from robyn._bridge import LoadedApp
from robyn.dispatch import AsyncEndpoint, Endpoint


def _fields(function, leading):
    names = list(inspect.signature(function).parameters)
    assert names[: len(leading)] == leading
    return tuple(names[len(leading):])


@pytest.mark.parametrize(
    "function, leading",
    [
        (LoadedApp.dispatch_sync, ["self", "index"]),
        (LoadedApp.dispatch_async, ["self", "token", "index"]),
        (Endpoint.run_sync, ["self"]),
        (AsyncEndpoint.run_async, ["self"]),
    ],
)
def test_every_receiver_takes_the_declared_fields_in_order(function, leading):
    assert _fields(function, leading) == _wire.REQUEST_FIELDS


def test_the_result_kinds_are_the_declared_ones():
    assert results.KIND_ERROR == _wire.RESULT_KINDS["ERROR"]
    assert results.KIND_FILE == _wire.RESULT_KINDS["FILE"]
    assert results.KIND_STREAM == _wire.RESULT_KINDS["STREAM"]
    assert results.KIND_ASYNC_STREAM == _wire.RESULT_KINDS["ASYNC_STREAM"]
    assert len(_wire.RESULT_FIELDS) == 5 and _wire.RESULT_FIELDS[:3] == ("status", "headers", "body")
