namespace RobynGateway.Hosting;

/// <summary>
/// Socket work runs on the thread where it completes instead of being handed to the thread pool:
/// the runtime's inline socket completions (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>,
/// which also gives the process one socket engine thread per core) and Kestrel's
/// <c>UnsafePreferInlineScheduling</c>, which ASP.NET Core's platform benchmark app turns on together.
/// <para>
/// What runs where, then: an engine thread reads a request, parses it and runs the middleware up to
/// the hand-off to Python; a sync worker writes and sends the last answer of its run itself once it
/// has let go of the GIL (PythonCall.EndDeferring), and so does the loop when no sync worker wants
/// the GIL (PythonApp.CompleteAsync); the other answers go to the thread pool, which writes and
/// sends them. Without it every request crossed the pool twice more (the engine thread
/// hands each read to the pool, Kestrel hands each send to it again), and every crossing that finds
/// the pool asleep wakes a thread. On this project's 2-core bench machine (bench/ab.sh, two starts
/// each, same minutes, bare Kestrel at its defaults) sync JSON went from 0.78 to 0.97 of bare
/// Kestrel's req/s and from 18.2 to 14.9 µs of CPU per request, async JSON from 0.75 to 0.83,
/// hooked JSON from 0.71 to 0.82; under --processes 2 from 0.85, 0.77 and 0.70 to 0.95, 0.84 and 0.81. The DB page, whose
/// requests mostly wait for PostgreSQL, did not move (184 against 187 µs per request).
/// </para>
/// <para>
/// Inline is safe here because nothing on the request path blocks before the hand-off: no Kestrel
/// thread ever takes the GIL, and body and file reads are awaited. What it costs: a middleware that
/// computes for long (a large multipart body's parse) holds up the other connections of its engine
/// thread, as on an event loop. <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0</c> in the
/// environment turns both off.
/// </para>
/// </summary>
internal static class SocketScheduling
{
    /// <summary>The runtime's switch. System.Net.Sockets reads it once, when the first socket is made.</summary>
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// First thing in Main: inline unless the environment already says either way. Set in the
    /// process's managed environment only, which the runtime reads and the workers and the --dev
    /// child inherit; the app's Python (and what it starts) does not see it.
    /// </summary>
    public static void DefaultToInline()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null) Environment.SetEnvironmentVariable(Variable, "1");
    }

    /// <summary>
    /// Kestrel inline too, whenever the runtime's completions are. (A test host has the variable
    /// only once a WebApplicationFactory&lt;Program&gt; has run Main in it.)
    /// </summary>
    public static void UseRobynSocketScheduling(this IWebHostBuilder web)
    {
        if (Environment.GetEnvironmentVariable(Variable) == "1") web.UseSockets(o => o.UnsafePreferInlineScheduling = true);
    }
}
