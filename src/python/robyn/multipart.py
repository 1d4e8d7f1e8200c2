"""A small multipart/form-data reader for `request.form_data` / `request.files`.

Robyn's observable shape: text parts go to form_data (name -> str), parts with a
filename go to files (filename -> bytes), and the request body becomes the
concatenation of all part payloads."""

from typing import Dict, List, Optional, Tuple

MultipartData = Tuple[Dict[str, str], Dict[str, bytes], bytes]


def boundary_of(content_type: str) -> Optional[str]:
    media_type, params = _split_header_value(content_type)
    if media_type != "multipart/form-data":
        return None
    return params.get("boundary") or None


def parse_multipart(body: bytes, boundary: str) -> MultipartData:
    form: Dict[str, str] = {}
    files: Dict[str, bytes] = {}
    payloads: List[bytes] = []
    delimiter = b"--" + boundary.encode("latin-1")
    # The first chunk is the preamble; the chunk after the closing `--boundary--` starts with b"--".
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, sep, payload = chunk.partition(b"\r\n\r\n")
        if not sep:
            continue
        if payload.endswith(b"\r\n"):
            payload = payload[:-2]
        disposition = _part_header(head, "content-disposition")
        _, params = _split_header_value(disposition)
        filename, name = params.get("filename"), params.get("name")
        if filename is not None:
            files[filename] = payload
        elif name is not None:
            form[name] = payload.decode("utf-8", "replace")
        payloads.append(payload)
    return form, files, b"".join(payloads)


def _part_header(head: bytes, wanted: str) -> str:
    for line in head.decode("utf-8", "replace").split("\r\n"):
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() == wanted:
            return value.strip()
    return ""


def _split_header_value(value: str) -> Tuple[str, Dict[str, str]]:
    """`type; a=1; b="x; y"` -> ("type", {"a": "1", "b": "x; y"})."""
    parts = _split_outside_quotes(value)
    params: Dict[str, str] = {}
    for part in parts[1:]:
        key, sep, val = part.partition("=")
        if sep:
            val = val.strip()
            if len(val) >= 2 and val[0] == val[-1] == '"':
                val = val[1:-1]
            params[key.strip().lower()] = val
    return parts[0].strip().lower(), params


def _split_outside_quotes(value: str) -> List[str]:
    parts, current, quoted = [], [], False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts
