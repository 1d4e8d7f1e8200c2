"""Handler return conventions -> bridge result tuples."""

import dataclasses
import datetime
import uuid

import pytest

from robyn import Headers, Response, html, jsonify, serve_file, serve_html
from robyn.results import (
    APPLICATION_JSON, CONST_HEADERS, KIND_FILE, OCTET_STREAM, TEXT_PLAIN, to_result,
)


def test_str_is_text_plain_with_the_shared_header_tuple():
    result = to_result("hi")
    assert result == (200, ("content-type", "text/plain"), b"hi")
    assert result[1] is TEXT_PLAIN


def test_bytes_is_octet_stream():
    assert to_result(b"\x00") == (200, ("content-type", "application/octet-stream"), b"\x00")
    assert to_result(b"")[1] is OCTET_STREAM


def test_dict_and_list_are_compact_unescaped_json():
    result = to_result({"a": [1, 2], "é": "ü"})
    assert result[1] is APPLICATION_JSON
    assert result[2] == '{"a":[1,2],"é":"ü"}'.encode()
    assert to_result([1, {"b": None}])[2] == b'[1,{"b":null}]'


def test_dict_subclasses_are_json():
    from collections import OrderedDict
    assert to_result(OrderedDict(a=1))[1] == ("content-type", "application/json")


@pytest.mark.parametrize("value, body", [(None, b"None"), (42, b"42"), (int, b"<class 'int'>"), (1.5, b"1.5")])
def test_anything_else_is_its_str_as_text(value, body):
    assert to_result(value) == (200, TEXT_PLAIN, body)


def test_decorator_status_applies_to_plain_returns_only():
    assert to_result("x", 201)[0] == 201
    assert to_result({}, 202)[0] == 202
    assert to_result(None, 204)[0] == 204
    assert to_result(Response(418, {}, "t"), 201)[0] == 418
    assert to_result(("b", {}, 409), 201)[0] == 409


def test_response_keeps_only_its_own_headers():
    assert to_result(Response(404, {"X-A": "1"}, b"nf")) == (404, ("x-a", "1"), b"nf")
    assert to_result(Response(204, {}, ""))[1] == ()


def test_three_tuple():
    assert to_result(({"a": 1}, {"Content-Type": "application/json"}, 201)) == (
        201, ("content-type", "application/json"), b'{"a":1}',
    )
    assert to_result(("body", Headers({"x": "y"}), "202")) == (202, ("x", "y"), b"body")
    assert to_result(("body", None, 200))[1] == ()  # no content type added for tuples


@pytest.mark.parametrize("value", [("a", {}), ("a", {}, 200, 1)])
def test_tuple_of_wrong_length_is_an_error(value):
    with pytest.raises(ValueError):
        to_result(value)


def test_unserialisable_dict_raises():
    with pytest.raises(TypeError):
        to_result({"a": object()})


def test_orjson_extras_serialise():
    @dataclasses.dataclass
    class Point:
        x: int

    value = {"when": datetime.date(2024, 1, 2), "id": uuid.UUID(int=1), "p": Point(3)}
    assert to_result(value)[2] == (
        b'{"when":"2024-01-02","id":"00000000-0000-0000-0000-000000000001","p":{"x":3}}'
    )


@pytest.mark.parametrize("value", [
    {"a": [1, 2.5, -0.0, 10**30, None, True, False], "nested": {"x": ({"y": []},)}},
    ["é\u2028\x00\"\\/", "\ud83d\ude00", float("inf"), float("nan")],
    {1: "int key", 2.5: "float key", None: "none key", True: "bool key"},
    "a bare \"string\"", 3, [], {},
])
def test_json_bodies_are_what_the_standard_encoder_writes(value):
    # dumps calls CPython's C encoder directly (made once); the standard JSONEncoder with the same
    # settings is the reference it must match, byte for byte.
    import json
    import importlib
    jsonify_module = importlib.import_module("robyn.jsonify")
    reference = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False,
                                 default=jsonify_module._default)
    assert jsonify_module.dumps(value) == reference.encode(value)
    # On CPython the C encoder is in use, not the fallback (JSONEncoder.encode, a bound method).
    assert getattr(jsonify_module.dumps, "__self__", None) is not jsonify_module._ENCODER


def test_a_json_key_of_another_type_is_a_type_error():
    with pytest.raises(TypeError):
        to_result({(1, 2): "tuple key"})


def test_jsonify_returns_a_compact_string_which_is_sent_as_text():
    assert jsonify({"a": 1, "b": "é"}) == '{"a":1,"b":"é"}'
    assert to_result(jsonify({"a": 1}))[1] is TEXT_PLAIN


def test_html():
    assert to_result(html("<b>x</b>")) == (200, ("content-type", "text/html"), b"<b>x</b>")


def test_serve_file_is_a_file_result(tmp_path):
    f = tmp_path / "report.pdf"
    f.write_bytes(b"%PDF")
    status, headers, body, kind, aux = to_result(serve_file(str(f)))
    assert (status, body, kind, aux) == (200, b"", KIND_FILE, str(f))
    assert headers == (
        "content-type", "application/pdf",
        "content-disposition", "attachment; filename=report.pdf",
    )


def test_serve_file_with_name_relative_path_and_unknown_type(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = to_result(serve_file("data.bin", file_name="nice.unknownext"))
    assert result[4] == str(tmp_path / "data.bin")  # absolute
    assert result[1] == (
        "content-type", "application/octet-stream",
        "content-disposition", "attachment; filename=nice.unknownext",
    )


def test_serve_html(tmp_path):
    result = to_result(serve_html(str(tmp_path / "index.html")))
    assert result[1] == ("content-type", "text/html") and result[3] == KIND_FILE


def test_const_headers_are_the_shared_tuples():
    assert CONST_HEADERS == (TEXT_PLAIN, APPLICATION_JSON, OCTET_STREAM)


def test_pydantic_models_are_json():
    pydantic = pytest.importorskip("pydantic", minversion="2")  # Debian 12 ships 1.10 (refused: see test_injection.py)

    class Item(pydantic.BaseModel):
        name: str

    assert to_result(Item(name="é")) == (200, APPLICATION_JSON, '{"name":"é"}'.encode())
    assert to_result([Item(name="a")])[2] == b'[{"name":"a"}]'
    assert to_result(Item)[1] is TEXT_PLAIN  # the class itself is just "anything else"
