import pytest

from robyn import Headers, Response
from robyn.robyn import Cookie, Cookies


def test_description_positional_or_body_keyword():
    assert Response(200, {}, "legacy").description == "legacy"
    assert Response(status_code=201, headers={}, body=b"new").description == b"new"


@pytest.mark.parametrize("kwargs", [{}, {"description": "a", "body": "b"}])
def test_exactly_one_of_description_or_body(kwargs):
    with pytest.raises(TypeError):
        Response(200, {}, **kwargs)


@pytest.mark.parametrize("bad", [{"a": 1}, 12, None, ["x"]])
def test_body_must_be_str_or_bytes(bad):
    with pytest.raises(ValueError):
        Response(200, {}, body=bad)
    response = Response(200, {}, "ok")
    with pytest.raises(ValueError):
        response.description = bad


def test_headers_from_dict_are_lower_cased_and_headers_object_kept():
    r = Response(200, {"X-Custom": "v"}, "")
    assert isinstance(r.headers, Headers) and r.headers.keys() == ["x-custom"]
    h = Headers({"a": "1"})
    assert Response(200, h, "").headers is h
    assert Response(200, None, "").headers.is_empty()


def test_status_code_description_and_headers_are_settable():
    # Robyn's status_code is read-only; ours can be set, so an after hook can change the status
    # of the response it was given (a deliberate departure, see README).
    r = Response(404, {}, "x")
    r.status_code = "201"
    assert r.status_code == 201
    r.description = r.description + " more"
    r.headers = {"K": "v"}
    assert r.description == "x more" and r.headers.get("k") == "v"
    assert r.response_type == "text"


def test_file_path_reads_the_file(tmp_path):
    f = tmp_path / "page.txt"
    f.write_bytes(b"file body")
    r = Response(200, {}, "")
    r.file_path = str(f)
    assert r.description == b"file body"
    assert r.file_path == str(f) and r.response_type == "static_file"


def test_to_result_encodes_str_and_flattens_headers():
    r = Response(201, {"A": "1"}, "é")
    r.headers.append("a", "2")
    assert r._to_result() == (201, ("a", "1", "a", "2"), "é".encode())


def test_set_cookie_renders_attributes_in_order():
    r = Response(200, {}, "")
    r.set_cookie("sid", "abc", path="/", domain="example.com", max_age=60,
                 expires="Wed, 21 Oct 2015 07:28:00 GMT", secure=True, http_only=True, same_site="strict")
    assert r._to_result()[1] == (
        "set-cookie", "sid=abc; Path=/; Domain=example.com; Max-Age=60; Secure; HttpOnly; SameSite=Strict",
    )


def test_set_cookie_again_overwrites_and_one_header_per_name():
    r = Response(200, {"x": "1"}, "")
    r.set_cookie("a", "1")
    r.set_cookie("b", "2")
    r.set_cookie("a", "3")
    assert r._to_result()[1] == ("x", "1", "set-cookie", "a=3", "set-cookie", "b=2")


def test_invalid_same_site_drops_the_cookie():
    r = Response(200, {}, "")
    r.set_cookie("bad", "1", same_site="sometimes")
    r.set_cookie("good", "1", same_site="NONE")
    assert r._to_result()[1] == ("set-cookie", "good=1; SameSite=None")


def test_cookie_and_cookies():
    assert Cookie.deleted().render("x") == "x=; Max-Age=0"
    jar = Cookies()
    assert jar.is_empty()
    jar.set("a", Cookie("1"))
    jar["b"] = Cookie("2", http_only=True)
    assert jar.keys() == ["a", "b"] and len(jar) == 2 and "a" in jar
    assert jar.get("b") == Cookie("2", http_only=True) and jar["a"].value == "1"
    jar.delete("a")
    assert jar["a"].max_age == 0
    assert jar.remove("a").value == "" and jar.get("a") is None
    del jar["b"]
    assert jar.is_empty() and list(jar) == []


@pytest.mark.parametrize("value", ["a; Domain=evil.example", "a\r\nSet-Cookie: admin=1", "a\x00b", "x\x7f"])
def test_a_cookie_value_cannot_add_attributes_or_headers(value):
    response = Response(200, None, "")
    with pytest.raises(ValueError, match="contains ';' or a control character"):
        response.set_cookie("c", value)
    assert response.cookies.is_empty()


@pytest.mark.parametrize("field", ["path", "domain", "expires"])
def test_cookie_attributes_cannot_add_attributes(field):
    with pytest.raises(ValueError, match=field):
        Response(200, None, "").set_cookie("c", "v", **{field: "/; HttpOnly=false"})


@pytest.mark.parametrize("name", ["", "a b", "a;b", "a=b", "é"])
def test_a_cookie_name_must_be_a_token(name):
    with pytest.raises(ValueError, match="not a token"):
        Response(200, None, "").set_cookie(name, "v")


def test_ordinary_cookie_values_still_work():
    response = Response(200, None, "")
    response.set_cookie("prefs", '{"theme":"dark","size":2}', path="/app", domain="example.com", max_age=60)
    assert response.cookies._set_cookie_values() == ['prefs={"theme":"dark","size":2}; Path=/app; Domain=example.com; Max-Age=60']
