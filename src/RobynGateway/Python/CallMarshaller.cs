using System.Buffers;
using RobynGateway.Http;

namespace RobynGateway.Python;

/// <summary>
/// Turns a <see cref="PythonCall"/> into the dispatcher's positional arguments and the result
/// tuple back into the call (docs/bridge-protocol.md). Every method takes the GIL's proof and does
/// only what must happen under it: wrap bytes in objects, one vectorcall, copy bytes out.
/// </summary>
internal static unsafe class CallMarshaller
{
    // Lets the callee borrow args[-1] (CPython's PY_VECTORCALL_ARGUMENTS_OFFSET) and skip a copy.
    static readonly nuint ArgumentsOffset = (nuint)1 << (8 * sizeof(nuint) - 1);
    const int MaxArgs = WireFields.RequestCount + 2; // the fields, the index, a loop token

    /// <summary>
    /// Calls <paramref name="dispatcher"/> with the request fields, prefixed by <paramref name="token"/>
    /// when it is not zero. Null with the Python error pending when it raised.
    /// </summary>
    public static NewRef Invoke(BorrowedRef dispatcher, PythonCall call, long token, GilHeld gil)
    {
        var slots = stackalloc NewRef[MaxArgs + 1];
        var args = slots + 1;
        var n = 0;
        if (token != 0) args[n++] = CApi.PyLong_FromLongLong(token);
        args[n++] = call.Route!.IndexObject.NewReference();
        AddFields(args, ref n, call);
        return CallAndRelease(dispatcher, args, n);
    }

    /// <summary>
    /// Calls a hook-stage function: <c>([token,] exchange, mask, index[, fields...])</c>. The first
    /// stage of a request creates its Exchange and passes the request fields; later stages find
    /// the request in the exchange. Null with the Python error pending when it raised.
    /// </summary>
    public static NewRef InvokeStage(BorrowedRef function, PythonCall call, long token, BorrowedRef exchangeType, GilHeld gil)
    {
        var first = call.Exchange.IsNull;
        if (first && (call.Exchange = CApi.PyObject_CallNoArgs(exchangeType)).IsNull) return default;
        var slots = stackalloc NewRef[MaxArgs + 4];
        var args = slots + 1;
        var n = 0;
        if (token != 0) args[n++] = CApi.PyLong_FromLongLong(token);
        args[n++] = call.Exchange.Borrow().NewReference();
        args[n++] = CApi.PyLong_FromLongLong((long)(call.Stage == CallStage.After ? call.AfterMask : call.BeforeMask));
        args[n++] = (call.Route?.IndexObject ?? PyConstants.MinusOne).NewReference();
        if (first) AddFields(args, ref n, call);
        return CallAndRelease(function, args, n);
    }

    /// <summary>
    /// Calls hooked_sync: <c>(before_mask, after_mask, index, fields...)</c>, the request's one
    /// trip, so Python makes its Exchange and drops it. Null with the error pending when it raised.
    /// </summary>
    public static NewRef InvokeHooked(BorrowedRef function, PythonCall call, GilHeld gil)
    {
        var slots = stackalloc NewRef[MaxArgs + 4];
        var args = slots + 1;
        var n = 0;
        args[n++] = CApi.PyLong_FromLongLong((long)call.BeforeMask);
        args[n++] = CApi.PyLong_FromLongLong((long)call.AfterMask);
        args[n++] = call.Route!.IndexObject.NewReference();
        AddFields(args, ref n, call);
        return CallAndRelease(function, args, n);
    }

    /// <summary>Calls a stream puller: <c>([token,] iterator)</c>. Null with the error pending when it raised.</summary>
    public static NewRef InvokeStream(BorrowedRef function, PythonCall call, long token, GilHeld gil)
    {
        var slots = stackalloc NewRef[3];
        var args = slots + 1;
        var n = 0;
        if (token != 0) args[n++] = CApi.PyLong_FromLongLong(token);
        args[n++] = call.Stream.Borrow().NewReference();
        return CallAndRelease(function, args, n);
    }

    /// <summary>
    /// Completes a StreamNext stage from what the puller returned: bytes (the next item), None (the
    /// end), or a str (the traceback of a generator that raised). Null means the puller itself raised.
    /// </summary>
    public static void ReadChunkAndComplete(BorrowedRef item, PythonCall call, GilHeld gil)
    {
        if (item.IsNull)
        {
            call.Kind = ResultKind.Error;
            call.Aux = $"stream_next raised: {CApi.TakeErrorText(gil)}";
        }
        else if (item.Is(CApi.None)) call.Kind = ResultKind.StreamEnd;
        else
        {
            byte* data;
            nint length;
            if (CApi.PyBytes_AsStringAndSize(item, &data, &length) == 0)
            {
                call.ResponseBody = ArrayPool<byte>.Shared.Rent((int)Math.Max(length, 1));
                new ReadOnlySpan<byte>(data, (int)length).CopyTo(call.ResponseBody);
                call.ResponseLength = (int)length;
            }
            else
            {
                CApi.PyErr_Clear();
                call.Kind = ResultKind.Error;
                call.Aux = CApi.ToManagedString(item) ?? "the stream answered something that is not bytes, None or a traceback";
            }
        }
        call.Complete();
    }

    /// <summary>
    /// Calls a websocket event function: <c>([token,] session, event, payload)</c>; the payload is
    /// an OPEN's <c>(endpoint, id, query, headers, client_ip)</c>, a message (str, or bytes for a
    /// binary one), or a CLOSE's code. Null with the error pending when it raised.
    /// </summary>
    public static NewRef InvokeSocket(BorrowedRef function, PythonCall call, long token, GilHeld gil)
    {
        var slots = stackalloc NewRef[5];
        var args = slots + 1;
        var n = 0;
        if (token != 0) args[n++] = CApi.PyLong_FromLongLong(token);
        args[n++] = (call.Exchange.IsNull ? CApi.None : call.Exchange.Borrow()).NewReference();
        args[n++] = CApi.PyLong_FromLongLong((long)call.Event);
        args[n++] = call.Event switch
        {
            WebSockets.SocketEvent.Open => OpenPayload(call),
            WebSockets.SocketEvent.Message when call.Binary => Bytes(call.Body, call.BodyLength),
            WebSockets.SocketEvent.Message => Utf8(call.Body, call.BodyLength),
            _ => CApi.PyLong_FromLongLong(call.CloseCode),
        };
        return CallAndRelease(function, args, n);
    }

    static NewRef OpenPayload(PythonCall call)
    {
        var tuple = CApi.PyTuple_New(5);
        if (tuple.IsNull) return tuple;
        if (!Put(tuple, 0, CApi.PyLong_FromLongLong(call.SocketEndpoint!.Index))
            || !Put(tuple, 1, Text(call, PythonCall.PathField))
            || !Put(tuple, 2, Text(call, PythonCall.QueryField))
            || !Put(tuple, 3, Text(call, PythonCall.HeadersField))
            || !Put(tuple, 4, Text(call, PythonCall.ClientIpField)))
            return Fail(tuple);
        return tuple;
    }

    /// <summary>
    /// Completes a websocket event: an OPEN's answer is the session, kept in the call's Exchange for
    /// the connection's life; the other events answer None. Null means the event function raised.
    /// </summary>
    public static void ReadSessionAndComplete(BorrowedRef result, PythonCall call, GilHeld gil)
    {
        if (result.IsNull)
        {
            call.Kind = ResultKind.Error;
            call.Aux = CApi.TakeErrorText(gil);
        }
        else if (call.Event == WebSockets.SocketEvent.Open && call.Exchange.IsNull && !result.Is(CApi.None))
            call.Exchange = result.NewReference();
        call.Complete();
    }

    /// <summary>The request fields (WireFields.cs), each at its declared position after <paramref name="n"/>.</summary>
    static void AddFields(NewRef* args, ref int n, PythonCall call)
    {
        var fields = args + n;
        fields[(int)RequestField.Method] = PyConstants.MethodObjects[call.MethodIndex].NewReference();
        fields[(int)RequestField.Path] = Text(call, PythonCall.PathField);
        fields[(int)RequestField.Query] = Text(call, PythonCall.QueryField);
        fields[(int)RequestField.Headers] = Text(call, PythonCall.HeadersField);
        fields[(int)RequestField.Body] = Bytes(call.Body, call.BodyLength);
        fields[(int)RequestField.Params] = Params(call);
        fields[(int)RequestField.ClientIp] = Text(call, PythonCall.ClientIpField);
        fields[(int)RequestField.Host] = Text(call, PythonCall.HostField);
        fields[(int)RequestField.Scheme] = (call.Https ? PyConstants.Https : PyConstants.Http).NewReference();
        fields[(int)RequestField.Parts] = call.Form is null ? CApi.None.NewReference() : Parts(call.Form);
        n += WireFields.RequestCount;
    }

    /// <summary>A parsed multipart form as <c>((name, value, ...), (filename, bytes, ...))</c>.</summary>
    static NewRef Parts(MultipartForm form)
    {
        var fields = CApi.PyTuple_New(2 * form.Fields.Count);
        var files = CApi.PyTuple_New(2 * form.Files.Count);
        var parts = CApi.PyTuple_New(2);
        if (fields.IsNull || files.IsNull || parts.IsNull) return Fail(fields, files, parts);
        var fieldsTuple = fields.Borrow();
        var filesTuple = files.Borrow();
        Put(parts, 0, fields); // the tuple keeps them alive; we still fill them below
        Put(parts, 1, files);
        var i = 0;
        foreach (var (name, value) in form.Fields)
        {
            if (!Put(fieldsTuple, i++, Text(name)) || !Put(fieldsTuple, i++, Text(value))) return Fail(parts);
        }
        i = 0;
        foreach (var (fileName, content) in form.Files)
        {
            if (!Put(filesTuple, i++, Text(fileName)) || !Put(filesTuple, i++, Bytes(content, content.Length))) return Fail(parts);
        }
        return parts;
    }

    /// <summary>Puts <paramref name="item"/> in a slot of a new tuple, which takes it over; false for a null item.</summary>
    static bool Put(NewRef tuple, int index, NewRef item) => Put(tuple.Borrow(), index, item);

    static bool Put(BorrowedRef tuple, int index, NewRef item) => !item.IsNull && CApi.PyTuple_SetItem(tuple, index, item.Steal()) == 0;

    static NewRef Fail(NewRef a, NewRef b = default, NewRef c = default)
    {
        a.Dispose();
        b.Dispose();
        c.Dispose();
        return default;
    }

    static NewRef Text(string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        fixed (byte* p = bytes) return CApi.PyUnicode_DecodeUTF8(p, bytes.Length, null);
    }

    /// <summary>One vectorcall; the arguments are ours, and released after it whatever happened.</summary>
    static NewRef CallAndRelease(BorrowedRef function, NewRef* args, int n)
    {
        var ok = true;
        for (var i = 0; i < n; i++) ok &= !args[i].IsNull;
        // The callee borrows the arguments: NewRef has a bare pointer's layout.
        var r = ok ? CApi.PyObject_Vectorcall(function, (nint*)args, (nuint)n | ArgumentsOffset, 0) : default;
        for (var i = 0; i < n; i++) args[i].Dispose();
        return r;
    }

    static NewRef Text(PythonCall call, int field)
    {
        var bytes = call.Field(field);
        if (bytes.IsEmpty) return PyConstants.EmptyString.NewReference();
        fixed (byte* p = bytes) return CApi.PyUnicode_DecodeUTF8(p, bytes.Length, null);
    }

    static NewRef Utf8(byte[] buffer, int length)
    {
        if (length == 0) return PyConstants.EmptyString.NewReference();
        fixed (byte* p = buffer) return CApi.PyUnicode_DecodeUTF8(p, length, null);
    }

    static NewRef Bytes(byte[] buffer, int length)
    {
        if (length == 0) return PyConstants.EmptyBytes.NewReference();
        fixed (byte* p = buffer) return CApi.PyBytes_FromStringAndSize(p, length);
    }

    static NewRef Params(PythonCall call)
    {
        var count = call.Route?.ParamNames.Length ?? 0;
        if (count == 0) return PyConstants.EmptyTuple.NewReference();
        var tuple = CApi.PyTuple_New(count);
        if (tuple.IsNull) return tuple;
        for (var i = 0; i < count; i++)
            if (!Put(tuple, i, Text(call, PythonCall.FirstParam + i))) return Fail(tuple);
        return tuple;
    }

    /// <summary>
    /// Copies a result tuple into the call. Returns false (nothing written) when the object is not
    /// a result tuple; the Python error, if any, is cleared.
    /// </summary>
    public static bool TryReadResult(BorrowedRef result, PythonCall call, HeaderCache cache, GilHeld gil)
    {
        var size = CApi.PyTuple_Size(result);
        if (size is not (3 or 5))
        {
            CApi.PyErr_Clear();
            return false;
        }
        var status = CApi.PyLong_AsLongLong(CApi.PyTuple_GetItem(result, (int)ResultField.Status));
        if (status is < 100 or > 999)
        {
            CApi.PyErr_Clear();
            return false;
        }
        var headersObject = CApi.PyTuple_GetItem(result, (int)ResultField.Headers);
        var headers = headersObject.Is(CApi.None) ? null : cache.Get(headersObject, gil);
        if (!headersObject.Is(CApi.None) && headers is null) return false;

        byte* data;
        nint length;
        if (CApi.PyBytes_AsStringAndSize(CApi.PyTuple_GetItem(result, (int)ResultField.Body), &data, &length) != 0)
        {
            CApi.PyErr_Clear();
            return false;
        }
        var kind = ResultKind.Plain;
        string? aux = null;
        BorrowedRef stream = default;
        if (size == 5)
        {
            kind = (ResultKind)CApi.PyLong_AsLongLong(CApi.PyTuple_GetItem(result, (int)ResultField.Kind));
            if (kind is ResultKind.Stream or ResultKind.AsyncStream)
                stream = CApi.PyTuple_GetItem(result, (int)ResultField.Aux); // the iterator, kept below
            else if (kind is not (ResultKind.Plain or ResultKind.Error or ResultKind.File)
                || (aux = CApi.ToManagedString(CApi.PyTuple_GetItem(result, (int)ResultField.Aux))) is null)
            {
                CApi.PyErr_Clear();
                return false;
            }
        }
        if (!stream.IsNull) call.Stream = stream.NewReference();

        call.Status = (int)status;
        call.FromPython = true;
        call.Headers = headers;
        call.Kind = kind;
        call.Aux = aux;
        call.ResponseLength = (int)length;
        if (length > 0)
        {
            call.ResponseBody = ArrayPool<byte>.Shared.Rent((int)length);
            new ReadOnlySpan<byte>(data, (int)length).CopyTo(call.ResponseBody);
        }
        return true;
    }

    /// <summary>
    /// Completes the call from a dispatcher's result, whatever Python did: null means the dispatcher
    /// raised (the error is pending). The result stays the caller's.
    /// </summary>
    public static void ReadAndComplete(BorrowedRef result, PythonCall call, HeaderCache cache, string where, GilHeld gil)
    {
        if (result.IsNull)
        {
            var error = CApi.TakeErrorText(gil);
            call.CompleteWith(500, "Internal server error", ResultKind.Error, $"{where} raised: {error}");
            return;
        }
        if (TryReadResult(result, call, cache, gil)) call.Complete();
        else call.CompleteWith(500, "Internal server error", ResultKind.Error,
            $"{where} returned an answer that cannot be sent: a status outside 100-999, a header that is not " +
            "a string or contains CR, LF or NUL, or a body that is not bytes (docs/bridge-protocol.md).");
    }
}
