using System.Collections;
using System.Runtime.InteropServices;

namespace RobynGateway.Workers;

/// <summary>
/// Turns this process into the front of <c>--processes</c> without Python in it.
///
/// Design notes:
/// * The app file must run before the front is built: its <c>app.start(...)</c> may ask for the
///   processes, the port, the timeouts (as Robyn's parent process reads them). So the process that
///   reads it has an interpreter, the app's imports and libpython mapped, which the front never
///   uses since it only proxies: 30 MB of RSS for a hello-world app (bench/memory.sh), more with
///   every library the app imports. An interpreter cannot be unloaded, so the process replaces
///   its image instead (execve: same pid, same stdio, same environment), with what it learnt in
///   <c>--front-plan</c> (<see cref="FrontPlan"/>); the new image builds the front at once.
/// * The same pid matters: systemd, Docker, the <c>python app.py</c> launcher (which execs the
///   gateway itself) and the socket folder's name all know the process by it.
/// * Before the call: output still buffered (Python's sys.stdout, .NET's Console) is written, and
///   this thread's signal mask is cleared, since execve keeps it. Other threads simply end; .NET
///   and Python open their files and sockets close-on-exec, so nothing else leaks into the front.
/// * The new image is the gateway's NativeAOT build when one lies beside this program
///   (<c>front/RobynGateway</c>; scripts/build-front.sh makes it, the wheel and the Docker image
///   carry it): the same code compiled ahead of time, with no JIT and no assemblies to map, so an
///   idle front is about 34 MB of RSS instead of 64 (bench/memory.sh). The front then starts its
///   workers with that image too (their Python is embedded through the C-API alone, which needs no
///   JIT). Without one (a plain <c>dotnet build</c> or <c>dotnet run</c>) the front is this program
///   again, without Python, and so are the workers.
/// * If execve fails, the caller builds the front in this process, as before (with Python mapped).
/// </summary>
internal static partial class FrontExec
{
    /// <summary>Replaces this process with the front; returns only if that failed (with the reason).</summary>
    public static string Replace(IReadOnlyList<string> args, FrontPlan plan)
    {
        if (!OperatingSystem.IsLinux()) return "--processes needs Linux";
        if (Environment.ProcessPath is null) return "the path of this program is unknown";
        List<string> Tail(FrontPlan p) => [Hosting.GatewayFlags.FrontPlan.Name, p.ToJson(), .. args];

        // The environment .NET started with (an app's os.environ changes never reached the workers either).
        var env = new List<string>();
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables()) env.Add($"{e.Key}={e.Value}");

        Python.PythonRuntime.FlushStdio();
        Span<byte> empty = stackalloc byte[128]; // sigset_t: no signal blocked
        empty.Clear();
        pthread_sigmask(SigSetMask, ref MemoryMarshal.GetReference(empty), 0);
        if (NativeImage() is { } image)
        {
            // It can fail where the gateway runs (an image built for another CPU, a folder mounted
            // noexec): the gateway's own image is the front then, as without one.
            // The workers run it too: it embeds Python as well as the JIT build does, in half the memory.
            var why = Exec([image, .. Tail(plan with { WorkerProgram = [image] })], env);
            Serilog.Log.Warning("The NativeAOT image {Image} could not start ({Reason}): the front and its workers run on the gateway's own image",
                image, why);
        }
        return Exec([.. WorkerLaunch.ThisProgram(), .. Tail(plan)], env);
    }

    /// <summary>execve; returns only if it failed, with the reason.</summary>
    static string Exec(List<string> argv, List<string> env)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        var argvNative = ToNative(argv);
        var envNative = ToNative(env);
        try
        {
            execve(argv[0], argvNative, envNative);
            return Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
        }
        finally
        {
            Free(argvNative);
            Free(envNative);
        }
    }

    /// <summary>The gateway's NativeAOT image beside this program, if it was built.</summary>
    public static string? NativeImage()
    {
        var path = Path.Combine(AppContext.BaseDirectory, NativeImageFolder, NativeImageName);
        return File.Exists(path) ? path : null;
    }

    public const string NativeImageFolder = "front";
    public const string NativeImageName = "RobynGateway";

    /// <summary>A NULL-terminated array of UTF-8 C strings, as execve takes them.</summary>
    static nint[] ToNative(IEnumerable<string> items)
    {
        var list = items.Select(Marshal.StringToCoTaskMemUTF8).ToList();
        list.Add(0);
        return [.. list];
    }

    static void Free(nint[] items)
    {
        foreach (var p in items) if (p != 0) Marshal.FreeCoTaskMem(p);
    }

    const int SigSetMask = 2;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int execve(string path, nint[] argv, nint[] envp);

    [LibraryImport("libc")]
    private static partial int pthread_sigmask(int how, ref byte set, nint oldSet);
}
