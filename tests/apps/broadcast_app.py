"""A chat that spans gateway instances (run each with --broadcast redis://...): the deep-dive
document's broadcast loop on the seed's API at /ws, and Robyn 0.88's handler API at /chat."""

import json
import os

from robyn import Robyn, WebSocket, WebSocketDisconnect

app = Robyn(__file__)

websocket = WebSocket(app, "/ws")


@websocket.on("connect")
async def ws_connect(ws):
    return json.dumps({"id": ws.id, "pid": os.getpid()})


@websocket.on("message")
async def ws_message(ws, message):
    try:
        data = json.loads(message)
    except json.JSONDecodeError:
        return "Invalid JSON"

    action = data.get("action")
    if action == "broadcast":
        # Send to all connected clients
        for client_id in websocket.active_connections:
            websocket.send_to(client_id, json.dumps({"from": ws.id, "text": data.get("text", "")}))
        return None
    if action == "shout":
        sent = await websocket.broadcast(json.dumps({"shout": data.get("text", "")}))
        return json.dumps({"shouted": sent})
    if action == "who":
        return json.dumps({"who": sorted(websocket.active_connections)})
    if action == "send":
        delivered = websocket.send_to(data["to"], json.dumps({"private": data.get("text", "")}))
        return json.dumps({"delivered": bool(delivered)})
    if action == "kick":
        return json.dumps({"kicked": bool(websocket.close(data["id"], 4000, "kicked"))})
    if action == "flood":
        for i in range(data["count"]):
            await websocket.broadcast(json.dumps({"flood": i, "pad": "x" * data["size"]}))
        return json.dumps({"flooded": data["count"]})
    if action == "big":
        try:
            websocket.broadcast("x" * data["size"])
        except ValueError as e:
            return json.dumps({"refused": str(e)})
        return json.dumps({"refused": None})
    return json.dumps({"echo": data.get("text", "")})


@websocket.on("close")
async def ws_close(ws):
    print(f"Client disconnected: {ws.id}")


@app.websocket("/chat")
async def chat(websocket):
    try:
        while True:
            text = await websocket.receive_text()
            if text == "who":
                await websocket.send_json(sorted(websocket.active_connections))
            elif text.startswith("kick:"):
                await websocket.send_text(f"kicked: {bool(websocket.close_connection(text[5:]))}")
            else:
                await websocket.broadcast(f"{websocket.id}: {text}")
    except WebSocketDisconnect:
        pass


@chat.on_connect
def chat_connect(websocket):
    return websocket.id


@app.get("/pid")
def pid():
    return {"pid": os.getpid()}
