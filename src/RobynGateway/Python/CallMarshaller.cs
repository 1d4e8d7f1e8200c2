using System.Buffers;
using RobynGateway.Routing;

namespace RobynGateway.Python;

/// <summary>
/// Turns a <see cref="PythonCall"/> into the dispatcher's positional arguments and the result
/// tuple back into the call (docs/bridge-protocol.md). Every method runs on a thread holding the
/// GIL and does only what must happen there: wrap bytes in objects, one vectorcall, copy bytes out.
/// </summary>
internal static unsafe class CallMarshaller
{
    // Lets the callee borrow args[-1] (CPython's PY_VECTORCALL_ARGUMENTS_OFFSET) and skip a copy.
    static readonly nuint ArgumentsOffset = (nuint)1 << (8 * sizeof(nuint) - 1);
    const int MaxArgs = 12;

    /// <summary>
    /// Calls <paramref name="dispatcher"/> with the request fields, prefixed by <paramref name="token"/>
    /// when it is not zero. Returns a new reference, or 0 with the Python error pending.
    /// </summary>
    public static nint Invoke(nint dispatcher, PythonCall call, long token)
    {
        var slots = stackalloc nint[MaxArgs + 1];
        var args = slots + 1;
        var n = 0;
        if (token != 0) args[n++] = CApi.PyLong_FromLongLong(token);
        args[n++] = Borrow(call.Route!.IndexObject);
        AddFields(args, ref n, call);
        return CallAndRelease(dispatcher, args, n);
    }

    /// <summary>
    /// Calls a hook-stage function: <c>([token,] exchange, mask, index[, fields...])</c>. The first
    /// stage of a request creates its Exchange and passes the request fields; later stages find
    /// the request in the exchange. Returns a new reference, or 0 with the Python error pending.
    /// </summary>
    public static nint InvokeStage(nint function, PythonCall call, long token, nint exchangeType)
    {
        var first = call.Exchange == 0;
        if (first && (call.Exchange = CApi.PyObject_CallNoArgs(exchangeType)) == 0) return 0;
        var slots = stackalloc nint[MaxArgs + 4];
        var args = slots + 1;
        var n = 0;
        if (token != 0) args[n++] = CApi.PyLong_FromLongLong(token);
        args[n++] = Borrow(call.Exchange);
        args[n++] = CApi.PyLong_FromLongLong((long)(call.Stage == CallStage.After ? call.AfterMask : call.BeforeMask));
        args[n++] = Borrow(call.Route?.IndexObject ?? PyConstants.MinusOne);
        if (first) AddFields(args, ref n, call);
        return CallAndRelease(function, args, n);
    }

    /// <summary>Calls a stream puller: <c>([token,] iterator)</c>. New reference, or 0 with the error pending.</summary>
    public static nint InvokeStream(nint function, PythonCall call, long token)
    {
        var slots = stackalloc nint[3];
        var args = slots + 1;
        var n = 0;
        if (token != 0) args[n++] = CApi.PyLong_FromLongLong(token);
        args[n++] = Borrow(call.Stream);
        return CallAndRelease(function, args, n);
    }

    /// <summary>
    /// Completes a StreamNext stage from what the puller returned: bytes (the next item), None (the
    /// end), or a str (the traceback of a generator that raised). 0 means the puller itself raised.
    /// </summary>
    public static void ReadChunkAndComplete(nint item, PythonCall call, bool owned)
    {
        if (item == 0)
        {
            call.Kind = ResultKind.Error;
            call.Aux = $"stream_next raised: {CApi.TakeErrorText()}";
        }
        else if (item == CApi.None) call.Kind = ResultKind.StreamEnd;
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
        if (owned && item != 0) CApi.Py_DecRef(item);
        call.Complete();
    }

    /// <summary>
    /// Calls a websocket event function: <c>([token,] session, event, payload)</c>; the payload is
    /// an OPEN's <c>(endpoint, id, query, headers, client_ip)</c>, a message (str, or bytes for a
    /// binary one), or a CLOSE's code. New reference, or 0 with the error pending.
    /// </summary>
    public static nint InvokeSocket(nint function, PythonCall call, long token)
    {
        var slots = stackalloc nint[5];
        var args = slots + 1;
        var n = 0;
        if (token != 0) args[n++] = CApi.PyLong_FromLongLong(token);
        args[n++] = Borrow(call.Exchange != 0 ? call.Exchange : CApi.None);
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

    static nint OpenPayload(PythonCall call)
    {
        var tuple = CApi.PyTuple_New(5);
        if (tuple == 0) return 0;
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
    /// the connection's life; the other events answer None. 0 means the event function raised.
    /// </summary>
    public static void ReadSessionAndComplete(nint result, PythonCall call, bool owned)
    {
        if (result == 0)
        {
            call.Kind = ResultKind.Error;
            call.Aux = CApi.TakeErrorText();
        }
        else if (call.Event == WebSockets.SocketEvent.Open && call.Exchange == 0 && result != CApi.None)
        {
            if (!owned) CApi.Py_IncRef(result);
            call.Exchange = result;
            owned = false;
        }
        if (owned && result != 0) CApi.Py_DecRef(result);
        call.Complete();
    }

    static void AddFields(nint* args, ref int n, PythonCall call)
    {
        args[n++] = Borrow(PyConstants.MethodObjects[call.MethodIndex]);
        args[n++] = Text(call, PythonCall.PathField);
        args[n++] = Text(call, PythonCall.QueryField);
        args[n++] = Text(call, PythonCall.HeadersField);
        args[n++] = Bytes(call.Body, call.BodyLength);
        args[n++] = Params(call);
        args[n++] = Text(call, PythonCall.ClientIpField);
        args[n++] = Text(call, PythonCall.HostField);
        args[n++] = Borrow(call.Https ? PyConstants.Https : PyConstants.Http);
        args[n++] = call.Form is null ? Borrow(CApi.None) : Parts(call.Form);
    }

    /// <summary>A parsed multipart form as <c>((name, value, ...), (filename, bytes, ...))</c>.</summary>
    static nint Parts(MultipartForm form)
    {
        var fields = CApi.PyTuple_New(2 * form.Fields.Count);
        var files = CApi.PyTuple_New(2 * form.Files.Count);
        var parts = CApi.PyTuple_New(2);
        if (fields == 0 || files == 0 || parts == 0) return Fail(fields, files, parts);
        CApi.PyTuple_SetItem(parts, 0, fields); // steals
        CApi.PyTuple_SetItem(parts, 1, files);
        var i = 0;
        foreach (var (name, value) in form.Fields)
        {
            if (!Put(fields, i++, Text(name)) || !Put(fields, i++, Text(value))) return Fail(parts);
        }
        i = 0;
        foreach (var (fileName, content) in form.Files)
        {
            if (!Put(files, i++, Text(fileName)) || !Put(files, i++, Bytes(content, content.Length))) return Fail(parts);
        }
        return parts;
    }

    static bool Put(nint tuple, int index, nint item) => item != 0 && CApi.PyTuple_SetItem(tuple, index, item) == 0;

    static nint Fail(params nint[] objects)
    {
        foreach (var o in objects)
            if (o != 0) CApi.Py_DecRef(o);
        return 0;
    }

    static nint Text(string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        fixed (byte* p = bytes) return CApi.PyUnicode_DecodeUTF8(p, bytes.Length, null);
    }

    static nint CallAndRelease(nint function, nint* args, int n)
    {
        var ok = true;
        for (var i = 0; i < n; i++) ok &= args[i] != 0;
        var r = ok ? CApi.PyObject_Vectorcall(function, args, (nuint)n | ArgumentsOffset, 0) : 0;
        for (var i = 0; i < n; i++)
            if (args[i] != 0) CApi.Py_DecRef(args[i]);
        return r;
    }

    static nint Borrow(nint o)
    {
        CApi.Py_IncRef(o);
        return o;
    }

    static nint Text(PythonCall call, int field)
    {
        var bytes = call.Field(field);
        if (bytes.IsEmpty) return Borrow(PyConstants.EmptyString);
        fixed (byte* p = bytes) return CApi.PyUnicode_DecodeUTF8(p, bytes.Length, null);
    }

    static nint Utf8(byte[] buffer, int length)
    {
        if (length == 0) return Borrow(PyConstants.EmptyString);
        fixed (byte* p = buffer) return CApi.PyUnicode_DecodeUTF8(p, length, null);
    }

    static nint Bytes(byte[] buffer, int length)
    {
        if (length == 0) return Borrow(PyConstants.EmptyBytes);
        fixed (byte* p = buffer) return CApi.PyBytes_FromStringAndSize(p, length);
    }

    static nint Params(PythonCall call)
    {
        var count = call.Route?.ParamNames.Length ?? 0;
        if (count == 0) return Borrow(PyConstants.EmptyTuple);
        var tuple = CApi.PyTuple_New(count);
        if (tuple == 0) return 0;
        for (var i = 0; i < count; i++)
        {
            var item = Text(call, PythonCall.FirstParam + i);
            if (item == 0)
            {
                CApi.Py_DecRef(tuple);
                return 0;
            }
            CApi.PyTuple_SetItem(tuple, i, item); // steals item
        }
        return tuple;
    }

    /// <summary>
    /// Copies a result tuple into the call. Returns false (nothing written) when the object is not
    /// a result tuple; the Python error, if any, is cleared.
    /// </summary>
    public static bool TryReadResult(nint result, PythonCall call, HeaderCache cache)
    {
        var size = CApi.PyTuple_Size(result);
        if (size is not (3 or 5))
        {
            CApi.PyErr_Clear();
            return false;
        }
        var status = CApi.PyLong_AsLongLong(CApi.PyTuple_GetItem(result, 0));
        if (status is < 100 or > 999)
        {
            CApi.PyErr_Clear();
            return false;
        }
        var headersObject = CApi.PyTuple_GetItem(result, 1);
        var headers = headersObject == CApi.None ? null : cache.Get(headersObject);
        if (headersObject != CApi.None && headers is null) return false;

        byte* data;
        nint length;
        if (CApi.PyBytes_AsStringAndSize(CApi.PyTuple_GetItem(result, 2), &data, &length) != 0)
        {
            CApi.PyErr_Clear();
            return false;
        }
        var kind = ResultKind.Plain;
        string? aux = null;
        nint stream = 0;
        if (size == 5)
        {
            kind = (ResultKind)CApi.PyLong_AsLongLong(CApi.PyTuple_GetItem(result, 3));
            if (kind is ResultKind.Stream or ResultKind.AsyncStream)
                stream = CApi.PyTuple_GetItem(result, 4); // the iterator, kept below
            else if (kind is not (ResultKind.Plain or ResultKind.Error or ResultKind.File)
                || (aux = CApi.ToManagedString(CApi.PyTuple_GetItem(result, 4))) is null)
            {
                CApi.PyErr_Clear();
                return false;
            }
        }
        if (stream != 0)
        {
            CApi.Py_IncRef(stream);
            call.Stream = stream;
        }

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
    /// Completes the call from a dispatcher's result, whatever Python did: 0 means the dispatcher
    /// raised (the error is pending). <paramref name="owned"/> says whether to release the result.
    /// </summary>
    public static void ReadAndComplete(nint result, PythonCall call, HeaderCache cache, string where, bool owned)
    {
        Read(result, call, cache, where, owned);
        call.Complete();
    }

    /// <summary><see cref="ReadAndComplete"/> without the completion: a later stage of the same trip follows.</summary>
    public static void Read(nint result, PythonCall call, HeaderCache cache, string where, bool owned)
    {
        if (result == 0)
        {
            var error = CApi.TakeErrorText();
            call.SetAnswer(500, "Internal server error", ResultKind.Error, $"{where} raised: {error}");
            return;
        }
        var ok = TryReadResult(result, call, cache);
        if (owned) CApi.Py_DecRef(result);
        if (!ok) call.SetAnswer(500, "Internal server error", ResultKind.Error,
            $"{where} returned an answer that cannot be sent: a status outside 100-999, a header that is not " +
            "a string or contains CR, LF or NUL, or a body that is not bytes (docs/bridge-protocol.md).");
    }
}
