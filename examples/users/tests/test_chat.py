"""The websocket chat at /ws: a welcome, an echo to the sender, the message to everyone else."""

import pytest


def test_welcome_and_echo(client):
    with client.websocket_connect("/ws?name=ann") as ws:
        assert ws.receive_text() == "welcome ann"
        ws.send_text("hello")
        assert ws.receive_text() == "echo: hello"


def test_a_guest_name_without_one(client):
    with client.websocket_connect("/ws") as ws:
        assert ws.receive_text().startswith("welcome guest-")


def test_messages_reach_the_other_clients(client):
    with client.websocket_connect("/ws?name=ann") as ann, client.websocket_connect("/ws?name=bo") as bo, \
            client.websocket_connect("/ws?name=cy") as cy:
        for ws, name in ((ann, "ann"), (bo, "bo"), (cy, "cy")):
            assert ws.receive_text() == f"welcome {name}"
        ann.send_text("hi all")
        assert ann.receive_text() == "echo: hi all"
        assert bo.receive_text() == "ann: hi all"
        assert cy.receive_text() == "ann: hi all"
        bo.send_text("hey ann")
        assert ann.receive_text() == "bo: hey ann"
        assert bo.receive_text() == "echo: hey ann"
        with pytest.raises(TimeoutError):  # nothing more for ann
            ann.receive(timeout=0.2)


def test_a_client_that_left_gets_nothing(client):
    with client.websocket_connect("/ws?name=ann") as ann:
        ann.receive_text()
        with client.websocket_connect("/ws?name=bo") as bo:
            bo.receive_text()
        ann.send_text("anyone?")
        assert ann.receive_text() == "echo: anyone?"
        with pytest.raises(TimeoutError):
            ann.receive(timeout=0.2)


def test_the_chat_needs_no_token_and_survives_the_client_closing(client):
    ws = client.websocket_connect("/ws?name=ann")
    ws.receive_text()
    ws.close()
    with pytest.raises(RuntimeError):
        ws.receive()
    with client.websocket_connect("/ws?name=bo") as again:
        assert again.receive_text() == "welcome bo"
