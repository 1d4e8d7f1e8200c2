using RobynGateway.Hosting;
using RobynGateway.Python;
using Serilog;

namespace RobynGateway;

/// <summary>
/// <c>RobynGateway app.py [options]</c>. Exit codes: 0 after a clean stop (SIGTERM, Ctrl-C),
/// 1 when the app, Python or the port failed, 2 for bad command-line input, 3 when a stop could
/// not finish its Python part within --graceful-timeout + 3 s (a frozen interpreter, a shutdown
/// handler that does not return; Python.StopDeadline).
/// </summary>
public partial class Program
{
    public static int Main(string[] args)
    {
        SocketScheduling.DefaultToInline(); // before any socket exists
        CommandLine cli;
        try
        {
            cli = CommandLine.Parse(args);
        }
        catch (UsageException ex)
        {
            return Fail(2, ex.Message);
        }
        if (cli.Help)
        {
            Console.Write(CommandLine.Usage);
            return 0;
        }
        if (cli.Version)
        {
            Console.WriteLine(CommandLine.VersionText);
            return 0;
        }

        try
        {
            // --dev: this process supervises a child gateway that it restarts on changes (DevReloader).
            // (Or ROBYN_DEV_MODE, from the environment or robyn.env as Robyn's CLI reads it, or Robyn:Dev in appsettings.json.)
            var dev = GatewayOptions.IsDev(cli, AppSettings.Sources(cli.AppPath));
            if (dev && !DevReloader.IsChild) return DevReloader.Run(args, cli);
            // A front of --processes replaces its image with one that starts no Python (Workers/FrontExec).
            using var app = GatewayHost.Build(cli, plan => Workers.FrontExec.Replace(args, plan));
            app.Run();
            if (DevReloader.IsChild) DevReloader.ExitNow(); // stopped cleanly: the supervisor restarts sooner
            return 0;
        }
        catch (UsageException ex)
        {
            return Fail(2, ex.Message);
        }
        catch (Exception ex) when (ex is PythonNotUsableException or AppLoadException or CertificateException)
        {
            return Fail(1, ex.Message);
        }
        catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            return Fail(1, $"{ex.Message} Another server is using that port: stop it, or pick another with --port.");
        }
        catch (OperationCanceledException)
        {
            // SIGTERM or Ctrl-C before the start finished (say, while workers were starting): a stop, not a failure.
            Console.Error.WriteLine("Stopped before the server finished starting.");
            return 0;
        }
        finally
        {
            Log.CloseAndFlush();
        }
    }

    static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return code;
    }
}
