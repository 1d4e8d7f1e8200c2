"""TestClient: streaming answers are read to their end, as a client would read them."""

from robyn import Robyn, SSEMessage, SSEResponse, StreamingResponse
from robyn.testing import TestClient

app = Robyn(__file__)


@app.get("/numbers")
def numbers():
    def generate():
        for i in range(3):
            yield f"{i};"
    return StreamingResponse(generate(), media_type="text/plain")


@app.get("/events")
async def events():
    async def generate():
        yield SSEMessage("hello", event="greeting")
        yield SSEMessage("bye")
    return SSEResponse(generate())


def test_a_sync_generator_streams_every_item():
    with TestClient(app) as client:
        response = client.get("/numbers")
        assert (response.status_code, response.text) == (200, "0;1;2;")


def test_server_sent_events_from_an_async_generator():
    with TestClient(app) as client:
        response = client.get("/events")
        assert response.headers["content-type"].startswith("text/event-stream")
        assert "event: greeting\ndata: hello\n\n" in response.text and "data: bye\n\n" in response.text
