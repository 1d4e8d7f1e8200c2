"""StreamingResponse, SSEResponse, SSEMessage and the bridge's stream pullers."""

import pytest

from robyn import SSEMessage, SSEResponse, StreamingResponse
from robyn._bridge import LoadedApp
from robyn.results import KIND_ASYNC_STREAM, KIND_STREAM, to_result
from test_bridge import gateway, load  # noqa: F401 (fixtures)


@pytest.mark.parametrize("args, text", [
    (("hello",), "data: hello\n\n"),
    (("a\r\nb\rc",), "data: a\ndata: b\ndata: c\n\n"),
    (("",), "data: \n\n"),
    (("x", "update", "7", 3000), "event: update\nid: 7\nretry: 3000\ndata: x\n\n"),
    (({"k": 1},), "data: {'k': 1}\n\n"),
])
def test_sse_message_format(args, text):
    assert SSEMessage(*args) == text


def test_streaming_response_gets_robyns_headers_and_keeps_the_handlers():
    response = StreamingResponse(iter(()), headers={"Cache-Control": "private"}, media_type="text/plain")
    flat = dict(zip(response.headers._flat()[::2], response.headers._flat()[1::2]))
    assert flat["content-type"] == "text/plain"
    assert flat["cache-control"] == "private"
    assert flat["x-accel-buffering"] == "no" and flat["pragma"] == "no-cache" and flat["expires"] == "0"


def test_sse_response_sends_both_cache_control_values():
    response = SSEResponse(iter(()))
    assert response.headers.get_all("cache-control") == ["no-cache", "no-cache, no-store, must-revalidate"]
    assert response.headers.get("content-type") == "text/event-stream"


def test_results_carry_the_iterator_and_say_whether_it_is_async():
    def gen():
        yield "x"

    async def agen():
        yield "y"

    status, _, body, kind, iterator = to_result(StreamingResponse(gen(), status_code=202))
    assert (status, body, kind) == (202, b"", KIND_STREAM) and next(iterator) == "x"
    assert to_result(StreamingResponse(agen()))[3] == KIND_ASYNC_STREAM
    assert to_result(StreamingResponse(["a", "b"]))[3] == KIND_STREAM  # any iterable


def test_stream_next_gives_bytes_then_none_and_a_traceback_on_failure():
    def gen():
        yield "text"
        yield b"bytes"
        yield 42
        raise ValueError("broke")

    iterator = gen()
    assert [LoadedApp.stream_next(iterator) for _ in range(3)] == [b"text", b"bytes", b"42"]
    failure = LoadedApp.stream_next(iterator)
    assert isinstance(failure, str) and "ValueError: broke" in failure
    assert LoadedApp.stream_next(iter(())) is None


def test_stream_next_async_completes_with_each_item(load, gateway):
    app = load("""
        from robyn import Robyn
        app = Robyn(__file__)
    """)
    app.start_loop()

    async def agen():
        yield "one"

    iterator = agen()
    app.loop.call_soon_threadsafe(app.stream_next_async, 1, iterator)
    assert gateway.wait_for(1)[1] == b"one"
    app.loop.call_soon_threadsafe(app.stream_next_async, 2, iterator)
    assert gateway.wait_for(2)[2] is None


def test_a_const_route_may_not_stream(load):
    app = load("""
        from robyn import Robyn, StreamingResponse
        app = Robyn(__file__)

        @app.get("/s", const=True)
        def s():
            return StreamingResponse(iter(["x"]))
    """)
    with pytest.raises(RuntimeError, match="streaming response"):
        app.run_consts()
