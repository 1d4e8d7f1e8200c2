from robyn.multipart import boundary_of, parse_multipart


def test_boundary_of():
    assert boundary_of("multipart/form-data; boundary=abc") == "abc"
    assert boundary_of('Multipart/Form-Data; charset=utf-8; boundary="a;b"') == "a;b"
    assert boundary_of("application/json") is None
    assert boundary_of("multipart/form-data") is None


def test_parts_with_preamble_epilogue_and_crlf_in_payload():
    body = (
        b"preamble\r\n--b\r\n"
        b'content-disposition: form-data; name="note"\r\n\r\nline1\r\nline2\r\n'
        b'--b\r\nContent-Disposition: form-data; name="f"; filename="x; y.txt"\r\n\r\nDATA\r\n'
        b"--b--\r\nepilogue"
    )
    form, files, joined = parse_multipart(body, "b")
    assert form == {"note": "line1\r\nline2"}
    assert files == {"x; y.txt": b"DATA"}
    assert joined == b"line1\r\nline2DATA"


def test_part_without_header_separator_is_skipped():
    form, files, joined = parse_multipart(b"--b\r\ngarbage--b--", "b")
    assert (form, files, joined) == ({}, {}, b"")
