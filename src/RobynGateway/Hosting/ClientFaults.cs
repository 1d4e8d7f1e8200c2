using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;
using Serilog.Core;
using Serilog.Events;
using Serilog.Parsing;

namespace RobynGateway.Hosting;

/// <summary>
/// Keeps what clients do wrong out of the error log. Kestrel and YARP log a client that went away,
/// sent a bad request or aborted a TLS handshake with the exception's whole stack trace, some at
/// Error or Warning: a client that drops its connection mid-body is an Error with a trace on one
/// process, and under <c>--processes</c> YARP prints 15 to 100 lines per dropped websocket, stalled
/// upload or dead worker. This sink wrapper sees every event that passed the minimum level and:
/// <list type="bullet">
/// <item>a client fault becomes one Debug line, its reason (the innermost exception's type and
///   message) appended and no trace; below <c>--log-level DEBUG</c> it is dropped;</item>
/// <item>YARP's report of a worker-side failure (the worker died, or broke off its answer) keeps its
///   level but loses YARP's own stack trace, which says nothing about the worker: the supervisor's
///   lines (exit code, "died running the request ... answered 502") tell what happened;</item>
/// <item>everything else passes unchanged: a handler's exception, an exception thrown by our own
///   code in the pipeline, are still Errors with their traces.</item>
/// </list>
/// Events are rewritten only when they carry an exception, so the common path is one null check.
/// </summary>
internal sealed class ClientFaults(ILogEventSink inner, LogEventLevel minimum) : ILogEventSink
{
    const string Kestrel = "Microsoft.AspNetCore.Server.Kestrel";
    const string Forwarder = "Yarp.ReverseProxy.Forwarder.HttpForwarder";
    const string DrainFailed = "automatic draining of the request body failed";

    // YARP's ForwarderError names for what the client did: it cancelled, or its side of a copy failed.
    static readonly HashSet<string> ClientErrors =
    [
        "RequestCanceled", "RequestBodyCanceled", "ResponseBodyCanceled", "UpgradeRequestCanceled", "UpgradeResponseCanceled",
        "RequestBodyClient", "ResponseBodyClient", "UpgradeRequestClient", "UpgradeResponseClient",
    ];

    // Kestrel's and YARP's templates are a handful of constants: each is parsed once.
    static readonly ConcurrentDictionary<string, MessageTemplate> WithReason = new();

    public void Emit(LogEvent e)
    {
        if (e.Exception is null) inner.Emit(e);
        else
            switch (Classify(e))
            {
                case Kind.Client:
                    if (minimum <= LogEventLevel.Debug) inner.Emit(OneLine(e, LogEventLevel.Debug));
                    break;
                case Kind.Worker or Kind.AccessLine:
                    inner.Emit(OneLine(e, e.Level));
                    break;
                default:
                    inner.Emit(e);
                    break;
            }
    }

    enum Kind { Other, Client, Worker, AccessLine }

    static Kind Classify(LogEvent e)
    {
        var source = (e.Properties.GetValueOrDefault("SourceContext") as ScalarValue)?.Value as string;
        if (source is null) return Kind.Other;
        // A request that ended in an exception (a client gone, a cut at the graceful timeout) still
        // gets its one access line, with the reason; the trace belongs to the error's own record.
        if (source == Observability.AccessLog.LoggerName) return Kind.AccessLine;
        if (source == Forwarder && e.Properties.GetValueOrDefault("error") is ScalarValue { Value: { } error })
            return ClientErrors.Contains(error.ToString()!) ? Kind.Client : Kind.Worker;
        if (!source.StartsWith(Kestrel, StringComparison.Ordinal)) return Kind.Other;
        // Kestrel's own reports of bad requests, resets and failed handshakes (Debug or Information).
        if (e.Level <= LogEventLevel.Information) return Kind.Client;
        // After a reset mid-body Kestrel also fails to drain the rest ("Reading is already in progress"): the same fault.
        if (e.MessageTemplate.Text.Contains(DrainFailed, StringComparison.Ordinal) && e.Exception is InvalidOperationException)
            return Kind.Client;
        // "An unhandled exception was thrown by the application", when what escaped is the client's doing.
        return IsClientException(e.Exception!) ? Kind.Client : Kind.Other;
    }

    /// <summary>The connection was reset or aborted under the request, or its bytes were not HTTP.</summary>
    internal static bool IsClientException(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
            if (e is ConnectionResetException or ConnectionAbortedException or BadHttpRequestException) return true;
        return false;
    }

    static LogEvent OneLine(LogEvent e, LogEventLevel level)
    {
        var reason = e.Exception!;
        while (reason.InnerException is { } inner) reason = inner;
        var template = WithReason.GetOrAdd(e.MessageTemplate.Text, static text => new MessageTemplateParser().Parse(text + " ({Reason})"));
        var properties = e.Properties.Select(p => new LogEventProperty(p.Key, p.Value))
            .Append(new LogEventProperty("Reason", new ScalarValue($"{reason.GetType().Name}: {reason.Message}")));
        return new LogEvent(e.Timestamp, level, null, template, properties);
    }
}
