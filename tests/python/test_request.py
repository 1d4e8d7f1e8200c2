import pytest

from robyn import Headers, Request
from robyn.request import request_from_bridge
from robyn.robyn import Identity, QueryParams, Url


def bridge_request(
    method="GET", path="/items/7", query="", headers="", body=b"",
    names=("id",), params=("7",), ip="10.0.0.1", host="localhost:8080", scheme="http",
):
    return request_from_bridge(method, path, query, headers, body, names, params, ip, host, scheme)


def test_fields_from_bridge():
    r = bridge_request(query="a=1&a=2", headers="x-a:1\ncontent-type:text/plain")
    assert r.method == "GET"
    assert r.url == Url("http", "localhost:8080", "/items/7")
    assert (r.url.scheme, r.url.host, r.url.path) == ("http", "localhost:8080", "/items/7")
    assert r.ip_addr == "10.0.0.1"
    assert r.path_params == {"id": "7"}
    assert r.query_params.get_all("a") == ["1", "2"]
    assert r.headers.get("X-A") == "1"
    assert r.identity is None and r.session is None


def test_nothing_is_parsed_until_accessed():
    r = bridge_request(query="a=1", headers="x:1", body=b"hi")
    assert r._headers is None and r._query_params is None and r._body is None and r._path_params is None
    r.headers
    assert r._query_params is None and r._body is None
    assert r.headers is r.headers  # parsed once, then cached


def test_unknown_ip_is_none():
    assert bridge_request(ip="").ip_addr is None


def test_request_id_is_the_x_request_id_header_or_none():
    assert bridge_request(headers="x-request-id:abc-1\nx-a:1").request_id == "abc-1"
    assert bridge_request(headers="x-a:1").request_id is None


def test_trace_context_comes_from_traceparent():
    r = bridge_request(headers="traceparent:00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
    assert r.trace_id == "0af7651916cd43dd8448eb211c80319c" and r.span_id == "b7ad6b7169203331"
    assert r.traceparent == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    assert bridge_request(headers="traceparent:garbage").trace_id is None
    assert bridge_request().trace_id is None and bridge_request().span_id is None


def test_body_is_str_for_utf8_bytes_otherwise_and_empty_string_when_none():
    assert bridge_request(body="héllo".encode()).body == "héllo"
    assert bridge_request(body=b"\xff\xfe\x00").body == b"\xff\xfe\x00"
    assert bridge_request(body=b"").body == ""


def test_urlencoded_body_stays_raw_and_is_parsed_into_form_data():
    r = bridge_request(headers="content-type:application/x-www-form-urlencoded", body=b"hello=world")
    assert r.body == "hello=world"
    assert r.form_data == {"hello": "world"}


def test_json_preserves_types():
    r = bridge_request(body=b'{"i": 1, "f": 1.5, "n": null, "l": [true]}')
    data = r.json()
    assert data == {"i": 1, "f": 1.5, "n": None, "l": [True]}
    assert type(data["i"]) is int and type(data["f"]) is float


@pytest.mark.parametrize("body", [b"{not json", b"", b"\xff"])
def test_json_invalid_raises_value_error(body):
    with pytest.raises(ValueError, match=r"^Invalid JSON: "):
        bridge_request(body=body).json()


def test_json_too_deep_is_invalid_not_a_crash():
    with pytest.raises(ValueError, match="Invalid JSON"):
        bridge_request(body=b"[" * 100_000 + b"]" * 100_000).json()


def test_settable_fields():
    r = bridge_request()
    r.headers = {"X-New": "1"}
    assert isinstance(r.headers, Headers) and r.headers.get("x-new") == "1"
    r.query_params = QueryParams._parse("z=9")
    assert r.query_params.get("z") == "9"
    r.path_params = {"id": "8"}
    assert r.path_params == {"id": "8"}
    r.body = b"raw"
    assert r.body == b"raw"
    r.identity = Identity({"sub": "u1"})
    assert r.identity.claims == {"sub": "u1"}


def test_body_rejects_other_types():
    with pytest.raises(TypeError):
        bridge_request().body = {"a": 1}


@pytest.mark.parametrize("field", ["method", "url", "ip_addr"])
def test_read_only_fields(field):
    with pytest.raises(AttributeError):
        setattr(bridge_request(), field, "x")


def test_public_constructor():
    r = Request(
        QueryParams(), {"A": "1"}, {"id": "1"}, "body", "POST", Url("https", "h", "/p"),
        {"f": "v"}, {"a.txt": b"x"}, None, "1.2.3.4",
    )
    assert r.method == "POST" and r.url.path == "/p" and r.ip_addr == "1.2.3.4"
    assert r.headers.get("a") == "1" and r.body == "body" and r.json is not None
    assert r.form_data == {"f": "v"} and r.files == {"a.txt": b"x"}
    assert r.path_params == {"id": "1"}


def test_parsed_multipart_parts_become_form_data_and_files():
    # The gateway parses multipart bodies in C#: the body is the parts' payloads joined, and the
    # parts arrive as (name, value, ...) text fields and (filename, bytes, ...) files.
    r = request_from_bridge("POST", "/up", "", "content-type:multipart/form-data; boundary=XyZ", b"hello\x00\x01",
                            (), (), "", "", "http", (("title", "hello"), ("a.bin", b"\x00\x01")))
    assert r.form_data == {"title": "hello"}
    assert r.files == {"a.bin": b"\x00\x01"}
    assert r.body == "hello\x00\x01"


def test_without_parts_form_data_and_files_are_empty_and_the_body_stays_raw():
    r = bridge_request(method="POST", headers="content-type:text/plain", body=b"hello=world")
    assert r.form_data == {} and r.files == {}
    assert r.body == "hello=world"


def test_reading_the_body_parses_neither_the_headers_nor_a_form():
    # form_data is parsed on its own first use only: a JSON handler pays for no header parsing.
    r = bridge_request(method="POST", headers="content-type:application/x-www-form-urlencoded", body=b'{"a": 1}')
    assert r.json() == {"a": 1} and r.body == '{"a": 1}'
    assert r._headers is None and r._form_data is None
    assert r.form_data == {'{"a": 1}': ""}  # asked for: the urlencoded body, read as such
