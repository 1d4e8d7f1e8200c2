"""The bridge's wire format, declared once on the Python side (docs/bridge-protocol.md, "Request
fields passed by C#" and "Result tuple"). C# declares the same in Python/WireFields.cs; one test
(tests/RobynGateway.Tests/Python/WireFieldsTests.cs) pins the two together, and
tests/python/test_wire.py pins every dispatcher's signature to REQUEST_FIELDS.

The dispatchers keep their fields as plain positional parameters (the fastest call CPython has);
these lists are what those parameters must be, not how they are passed."""

# After the route index (dispatch_*) or the exchange, mask and index (the first hook stage).
REQUEST_FIELDS = ("method", "path", "query", "headers", "body", "params", "client_ip", "host", "scheme", "parts")

# A 3-tuple carries the first three; a 5-tuple all five.
RESULT_FIELDS = ("status", "headers", "body", "kind", "aux")

# The kind field's values, as robyn.results defines them (CONTINUE and STREAM_END never travel in a
# result tuple: they are C#'s names for "the before hooks let it through" and "the stream ended").
RESULT_KINDS = {"PLAIN": 0, "ERROR": 1, "FILE": 2, "CONTINUE": 3, "STREAM": 4, "ASYNC_STREAM": 5, "STREAM_END": 6}
