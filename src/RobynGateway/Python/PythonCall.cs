using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Threading.Tasks.Sources;
using RobynGateway.Http;

namespace RobynGateway.Python;

/// <summary>What the result tuple's kind field asks C# to do (docs/bridge-protocol.md).</summary>
internal enum ResultKind { Plain = 0, Error = 1, File = 2, Continue = 3, Stream = 4, AsyncStream = 5, StreamEnd = 6 }

/// <summary>
/// Which trip into Python a call makes: a plain <see cref="Dispatch"/> for a request no hook applies
/// to, else one of the three stages of a hooked request, the next item of a streaming answer, or a
/// websocket event (docs/bridge-protocol.md).
/// </summary>
/// <summary>
/// What a trip into Python runs. <see cref="Hooked"/>: a sync route's before hooks, handler and after
/// hooks (every one of them sync) in one trip, in place of the three stages that follow it here.
/// </summary>
internal enum CallStage { Dispatch, Before, Handler, After, StreamNext, Socket, Hooked }

/// <summary>
/// One request's trip into Python and back, pooled so the hot path allocates nothing for it.
///
/// The Kestrel thread fills the request side (all text already UTF-8 encoded, so the Python thread
/// holding the GIL only wraps bytes into objects), hands the call to a sync worker or the event
/// loop, and awaits it. The Python thread fills the result side and completes it; the continuation
/// (the answer's write) runs on the thread pool, or on the Python thread itself once it has let go
/// of the GIL (EndDeferring), never while it holds it.
/// </summary>
internal sealed class PythonCall : IValueTaskSource
{
    // Field slots in the UTF-8 text buffer; path parameters follow from FirstParam on.
    public const int PathField = 0, QueryField = 1, HeadersField = 2, ClientIpField = 3, HostField = 4, FirstParam = 5;

    static readonly ConcurrentQueue<PythonCall> Pool = new();
    static int _pooled;

    ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    byte[] _text = new byte[1024];
    int _textLength;
    int[] _spans = new int[32]; // (start, length) pairs
    int _fieldStart;

    // Request side.
    public PythonApp App = null!;
    public RouteEntry? Route;
    public int MethodIndex;
    public bool Https;
    public byte[] Body = [];
    public int BodyLength;
    public MultipartForm? Form; // a multipart body's parts (the body then holds their joined payloads)

    // Hook stages: the masks of the hooks that apply, the stage under way, and the request's
    // Exchange (a strong reference to a Python object, made by the first stage).
    public CallStage Stage;
    public bool StageOnLoop;
    public ulong BeforeMask, AfterMask;
    public NewRef Exchange;
    public NewRef Stream; // a streaming answer's iterator, pulled one item per StreamNext stage

    // A websocket's events (CallStage.Socket): the connection's session object lives in Exchange;
    // a message is in Body (text unless Binary); an OPEN's fields are in the text slots.
    public WebSockets.SocketEvent Event;
    public WebSockets.SocketEndpoint? SocketEndpoint;
    public bool Binary;
    public int CloseCode;

    // Result side.
    public int Status;
    public KeyValuePair<string, string>[]? Headers;
    public byte[]? ResponseBody;
    public int ResponseLength;
    public ResultKind Kind;
    public string? Aux;
    public bool FromPython; // the answer came from a Python result, not from C#

    // Request timeouts (see the design note at "Timeouts" below).
    const int Idle = 0, InPython = 1, TimedOut = 2, Orphaned = 3;
    int _python;
    CancellationTokenRegistration _timeoutWatch;
    public long LoopToken; // the GCHandle token of the call's task on the loop, while it runs there

    // ---- Timing (Observability.RequestTiming; only while the access log or metrics want it) ----
    // Stopwatch ticks summed over the request's stages: waiting for a Python thread (the sync
    // queue, the loop's queue, the GIL) and running there (an async stage: until its task ends).
    public long WaitTicks, PythonTicks;
    long _markedAt; // when the current stage was queued, then when it started
    /// <summary>The request's X-Request-ID, for Python's log records (JSON logs only).</summary>
    public string? RequestId;
    /// <summary>The span of the stage under way (tracing on), for Python's log records.</summary>
    public System.Diagnostics.Activity? Span;

    [ThreadStatic] static PythonCall? t_running;

    /// <summary>The call this sync worker or stream thread runs now (null on the loop thread).</summary>
    public static PythonCall? Running => t_running;

    /// <summary>On a sync worker or stream thread, before the call's trip into Python.</summary>
    public void RunsHere() => t_running = this;
    public bool OnLoopCounted; // counted in the app's calls on the loop until it completes

    public static PythonCall Rent(PythonApp app, RouteEntry? route)
    {
        if (Pool.TryDequeue(out var call)) Interlocked.Decrement(ref _pooled);
        else call = new PythonCall();
        call.App = app;
        call.Route = route;
        return call;
    }

    public static void Return(PythonCall call)
    {
        call._timeoutWatch.Dispose(); // waits for a timeout callback under way: it is short
        call._timeoutWatch = default;
        // Timed out and still in Python: the late completion returns it (LateAnswer).
        if (Interlocked.CompareExchange(ref call._python, Orphaned, TimedOut) == TimedOut) return;
        call.ResetAndPool();
    }

    void ResetAndPool()
    {
        Reset();
        if (Interlocked.Increment(ref _pooled) <= 4096) Pool.Enqueue(this);
        else Interlocked.Decrement(ref _pooled);
    }

    void Reset()
    {
        // No GIL here: a Python thread drops them. Dropping a stream's iterator closes its generator.
        if (!Exchange.IsNull) App.ReleaseLater(Exchange);
        if (!Stream.IsNull) App.ReleaseSoon(Stream);
        Exchange = Stream = default;
        BeforeMask = AfterMask = 0;
        MethodIndex = 0;
        Https = false;
        Event = default;
        if (Body.Length > 0) ArrayPool<byte>.Shared.Return(Body);
        Body = [];
        BodyLength = 0;
        Form = null;
        SocketEndpoint = null;
        Binary = false;
        CloseCode = 0;
        _textLength = _fieldStart = 0;
        LoopToken = 0;
        WaitTicks = PythonTicks = _markedAt = 0;
        RequestId = null;
        Span = null;
        Route = null!;
        App = null!;
        BeginStage(CallStage.Dispatch, onLoop: false);
    }

    /// <summary>Readies the call for its next stage: the request side stays, the answer goes.</summary>
    public void BeginStage(CallStage stage, bool onLoop)
    {
        if (ResponseBody is not null) ArrayPool<byte>.Shared.Return(ResponseBody);
        ResponseBody = null;
        ResponseLength = 0;
        Headers = null;
        Kind = ResultKind.Plain;
        Aux = null;
        Status = 0;
        FromPython = false;
        Stage = stage;
        StageOnLoop = onLoop;
        _core.Reset();
        _core.RunContinuationsAsynchronously = true;
    }

    /// <summary>Whether a stage has answered the request (a short-circuit, the handler, a 404).</summary>
    public bool Answered => Status != 0;

    // ---- Request text fields -------------------------------------------------------------

    public void SetField(int field, ReadOnlySpan<char> value)
    {
        BeginField();
        Append(value);
        EndField(field);
    }

    public void BeginField() => _fieldStart = _textLength;

    public void Append(ReadOnlySpan<char> value)
    {
        EnsureRoom(Encoding.UTF8.GetMaxByteCount(value.Length));
        _textLength += Encoding.UTF8.GetBytes(value, _text.AsSpan(_textLength));
    }

    /// <summary>Appends ASCII lower-cased (header names are ASCII tokens).</summary>
    public void AppendLower(ReadOnlySpan<char> name)
    {
        EnsureRoom(Encoding.UTF8.GetMaxByteCount(name.Length));
        foreach (var c in name)
        {
            if (c < 0x80)
                _text[_textLength++] = (byte)(c is >= 'A' and <= 'Z' ? c + 32 : c);
            else
                _textLength += Encoding.UTF8.GetBytes([c], _text.AsSpan(_textLength));
        }
    }

    public void AppendByte(byte b)
    {
        EnsureRoom(1);
        _text[_textLength++] = b;
    }

    public void EndField(int field)
    {
        if (2 * field + 1 >= _spans.Length) Array.Resize(ref _spans, 2 * (field + 8));
        _spans[2 * field] = _fieldStart;
        _spans[2 * field + 1] = _textLength - _fieldStart;
    }

    public ReadOnlySpan<byte> Field(int field) => _text.AsSpan(_spans[2 * field], _spans[2 * field + 1]);

    void EnsureRoom(int bytes)
    {
        if (_textLength + bytes <= _text.Length) return;
        Array.Resize(ref _text, Math.Max(_text.Length * 2, _textLength + bytes));
    }

    // ---- Completion ----------------------------------------------------------------------

    public ValueTask Completion => new(this, _core.Version);

    // Set on a sync worker while it holds the GIL: completions wait there until it releases it.
    [ThreadStatic] static List<PythonCall>? t_deferred;

    public void Complete()
    {
        if (Observability.RequestTiming.On) PythonTicks += Stopwatch.GetTimestamp() - _markedAt;
        t_running = null;
        if (OnLoopCounted)
        {
            OnLoopCounted = false;
            App.LoopCallEnded();
        }
        if (Interlocked.CompareExchange(ref _python, Idle, InPython) >= TimedOut)
        {
            LateAnswer(ran: true);
            return;
        }
        if (t_deferred is { } deferred) deferred.Add(this);
        else _core.SetResult(true);
    }

    /// <summary>Collects completions made on this thread until <see cref="EndDeferring"/>.</summary>
    public static void BeginDeferring(List<PythonCall> sink) => t_deferred = sink;

    /// <summary>
    /// Completes the calls collected so far with their continuations on the thread pool (holding
    /// the GIL is fine: completing only queues them). A sync worker does this before it runs the
    /// next call of its batch, which may take long.
    /// </summary>
    public static void CompleteDeferred(List<PythonCall> sink)
    {
        foreach (var call in sink) call._core.SetResult(true);
        sink.Clear();
    }

    /// <summary>
    /// Completes the collected calls with their continuations inline: the worker has released the
    /// GIL, and running the response write here saves a thread-pool hop per request.
    /// </summary>
    public static void EndDeferring(List<PythonCall> sink)
    {
        t_deferred = null;
        foreach (var call in sink)
        {
            call._core.RunContinuationsAsynchronously = false;
            call._core.SetResult(true);
        }
        sink.Clear();
    }

    /// <summary>Completes with a plain-text answer made in C# (e.g. Python did not keep the protocol).</summary>
    public void CompleteWith(int status, string text, ResultKind kind = ResultKind.Plain, string? aux = null)
    {
        SetAnswer(status, text, kind, aux);
        Complete();
    }

    /// <summary>Sets a plain-text answer made in C#, replacing any answer so far; completes nothing.</summary>
    public void SetAnswer(int status, string text, ResultKind kind = ResultKind.Plain, string? aux = null)
    {
        if (ResponseBody is not null) ArrayPool<byte>.Shared.Return(ResponseBody);
        Status = status;
        Headers = TextPlain;
        var length = Encoding.UTF8.GetByteCount(text);
        ResponseBody = ArrayPool<byte>.Shared.Rent(length);
        ResponseLength = Encoding.UTF8.GetBytes(text, ResponseBody);
        Kind = kind;
        Aux = aux;
        FromPython = false;
    }

    // ---- Timeouts ------------------------------------------------------------------------
    // The request side watches the request-timeout token (ASP.NET Core's request timeouts
    // middleware arms it). Whoever moves _python first wins: Python's completion (InPython -> Idle)
    // answers as usual; the timeout (InPython -> TimedOut) fails the awaiter with an
    // OperationCanceledException, which the middleware turns into the 504, and the answer Python
    // makes later is dropped. The pooled call then has two owners: the request side's Return
    // (TimedOut -> Orphaned) and the late completion (TimedOut -> Idle); the second of the two
    // puts it back in the pool. A sync handler cannot be stopped; an async one is cancelled on the loop.

    static readonly Action<object?> OnTimeout = state => ((PythonCall)state!).TimeOut();

    /// <summary>Arms the request's timeout, if one applies (the timeouts middleware set its feature).</summary>
    public void WatchTimeout(HttpContext context)
    {
        if (context.Features.Get<Microsoft.AspNetCore.Http.Timeouts.IHttpRequestTimeoutFeature>() is { } timeout)
            _timeoutWatch = timeout.RequestTimeoutToken.UnsafeRegister(OnTimeout, this);
    }

    /// <summary>Marks the call as handed to Python (before it is queued).</summary>
    public void EnterPython()
    {
        if (Observability.RequestTiming.On) _markedAt = Stopwatch.GetTimestamp();
        Volatile.Write(ref _python, InPython);
        // A timeout that fired while no stage was in Python (between the before hooks and the
        // handler, say, or during the body's upload) found the call Idle and did nothing: this
        // stage is then already late. The queue's taker drops it (SkipIfTimedOut).
        if (_timeoutWatch.Token.IsCancellationRequested) TimeOut();
    }

    /// <summary>
    /// On the Python thread, before starting the call: if its request was answered 504 while it
    /// waited in the queue, drops it (true) rather than run a handler nobody waits for.
    /// </summary>
    public bool SkipIfTimedOut()
    {
        if (Volatile.Read(ref _python) < TimedOut)
        {
            if (Observability.RequestTiming.On)
            {
                var now = Stopwatch.GetTimestamp();
                WaitTicks += now - _markedAt;
                _markedAt = now;
            }
            return false;
        }
        if (OnLoopCounted)
        {
            OnLoopCounted = false;
            App.LoopCallEnded();
        }
        LateAnswer(ran: false);
        return true;
    }

    /// <summary>On the loop thread: whether <see cref="LoopToken"/> names a task of a request answered 504.</summary>
    public bool TimedOutOnLoop => Volatile.Read(ref _python) >= TimedOut && LoopToken != 0;

    void TimeOut()
    {
        if (Interlocked.CompareExchange(ref _python, TimedOut, InPython) != InPython) return;
        if (Stage != CallStage.Dispatch ? StageOnLoop : Route?.IsAsync == true) App.CancelOnLoop(this);
        _core.SetException(new OperationCanceledException("The request timed out while Python was running it."));
    }

    static Serilog.ILogger LateLog => Serilog.Log.ForContext(Serilog.Core.Constants.SourceContextPropertyName, "RobynGateway");

    /// <summary>Python finished a call whose request was already answered 504: drop the answer.</summary>
    void LateAnswer(bool ran)
    {
        // Not an error of this request any more (its client has its 504): one line, no traceback.
        if (ran && Kind == ResultKind.Error && Aux?.Contains("CancelledError", StringComparison.Ordinal) == true)
            LateLog.Information("{Route}: its task ended cancelled after the request was answered 504", Route);
        else if (ran)
            LateLog.Information("{Route}: Python finished after the request was answered 504; its answer ({Status}) is dropped",
                Route, Status);
        else
            LateLog.Debug("{Route}: not run: the request timed out while it waited for Python", Route);
        // The request side has not returned it yet: it will pool it (Idle now). Else we own it.
        if (Interlocked.CompareExchange(ref _python, Idle, TimedOut) == TimedOut) return;
        Volatile.Write(ref _python, Idle);
        ResetAndPool();
    }

    static readonly KeyValuePair<string, string>[] TextPlain = [new("content-type", "text/plain")];

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);
    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);
    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token,
        ValueTaskSourceOnCompletedFlags flags) => _core.OnCompleted(continuation, state, token, flags);
}
