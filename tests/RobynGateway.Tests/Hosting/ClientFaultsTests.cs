using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using RobynGateway.Hosting;
using Serilog.Core;
using Serilog.Events;
using Serilog.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace RobynGateway.Tests.Hosting;

/// <summary>The classification of <see cref="ClientFaults"/>, through Microsoft.Extensions.Logging as Kestrel and YARP log.</summary>
public sealed class ClientFaultsTests
{
    sealed class Collected : ILogEventSink
    {
        public List<LogEvent> Events { get; } = [];
        public void Emit(LogEvent logEvent) => Events.Add(logEvent);
    }

    static (Microsoft.Extensions.Logging.ILoggerFactory Factory, Collected Sink) Build(LogEventLevel minimum)
    {
        var sink = new Collected();
        var logger = new Serilog.LoggerConfiguration().MinimumLevel.Verbose()
            .WriteTo.Sink(new ClientFaults(sink, minimum)).CreateLogger();
        return (new SerilogLoggerFactory(logger, dispose: true), sink);
    }

    static Exception Thrown(Exception ex)
    {
        try
        {
            throw ex;
        }
        catch (Exception caught)
        {
            return caught; // with a stack trace, as logged for real
        }
    }

    [Fact]
    public void A_reset_escaping_the_app_is_a_debug_line_with_its_reason_or_nothing_above_debug()
    {
        var reset = Thrown(new ConnectionResetException("Connection reset by peer"));
        var (info, dropped) = Build(LogEventLevel.Information);
        info.CreateLogger("Microsoft.AspNetCore.Server.Kestrel").LogError(reset, "An unhandled exception was thrown by the application.");
        Assert.Empty(dropped.Events);

        var (debug, kept) = Build(LogEventLevel.Debug);
        debug.CreateLogger("Microsoft.AspNetCore.Server.Kestrel").LogError(reset, "An unhandled exception was thrown by the application.");
        var e = Assert.Single(kept.Events);
        Assert.Equal(LogEventLevel.Debug, e.Level);
        Assert.Null(e.Exception);
        Assert.Equal("An unhandled exception was thrown by the application. (\"ConnectionResetException: Connection reset by peer\")", e.RenderMessage());
    }

    [Fact]
    public void Server_faults_keep_their_level_and_their_trace()
    {
        var (factory, sink) = Build(LogEventLevel.Information);
        var bug = Thrown(new InvalidOperationException("a bug of ours"));
        factory.CreateLogger("Microsoft.AspNetCore.Server.Kestrel").LogError(bug, "An unhandled exception was thrown by the application.");
        factory.CreateLogger("RobynGateway.Workers.WorkerSupervisor").LogError(bug, "worker start failed");
        factory.CreateLogger("Yarp.ReverseProxy.Forwarder.HttpForwarder").LogError(bug, "not a forwarding error");
        Assert.Equal(3, sink.Events.Count);
        Assert.All(sink.Events, e => Assert.Equal(LogEventLevel.Error, e.Level));
        Assert.All(sink.Events, e => Assert.Same(bug, e.Exception));
    }

    [Theory]
    [InlineData(ForwarderError.ResponseBodyClient, null)]
    [InlineData(ForwarderError.RequestBodyClient, null)]
    [InlineData(ForwarderError.UpgradeRequestClient, null)]
    [InlineData(ForwarderError.RequestCanceled, null)]
    [InlineData(ForwarderError.Request, LogEventLevel.Warning)]
    [InlineData(ForwarderError.ResponseBodyDestination, LogEventLevel.Warning)]
    public void Yarp_client_errors_leave_the_log_and_worker_side_ones_lose_only_the_trace(ForwarderError error, LogEventLevel? kept)
    {
        var (factory, sink) = Build(LogEventLevel.Information);
        var ex = Thrown(new IOException("outer", new System.Net.Sockets.SocketException(104)));
        factory.CreateLogger("Yarp.ReverseProxy.Forwarder.HttpForwarder").LogWarning(ex, "{error}: {message}", error, "what happened");
        if (kept is null)
        {
            Assert.Empty(sink.Events);
            return;
        }
        var e = Assert.Single(sink.Events);
        Assert.Equal(kept, e.Level);
        Assert.Null(e.Exception);
        Assert.StartsWith($"{error}: \"what happened\" (\"SocketException: ", e.RenderMessage());
    }
}
