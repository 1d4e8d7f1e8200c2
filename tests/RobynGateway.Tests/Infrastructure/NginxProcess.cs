using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace RobynGateway.Tests.Infrastructure;

/// <summary>
/// Debian's nginx (scripts/install-test-deps.sh installs it) as a child process of the test, in
/// the foreground, with its prefix, pid file, logs and temp folders in a temp folder of its own:
/// the system's nginx service and /etc/nginx are never touched. It runs the shipped files from
/// nginx/ as they are, except the two things only a test changes: the upstream addresses become
/// the test's gateways on loopback, and <c>listen 80</c> a free loopback port.
/// </summary>
public sealed partial class NginxProcess : IAsyncDisposable
{
    const string Binary = "/usr/sbin/nginx";
    readonly Process _process;
    readonly string _folder;

    public int Port { get; }
    public string ErrorLog => ReadOrEmpty(Path.Combine(_folder, "error.log"));
    public string AccessLog => ReadOrEmpty(Path.Combine(_folder, "access.log"));

    NginxProcess(Process process, string folder, int port) => (_process, _folder, Port) = (process, folder, port);

    /// <summary>Starts nginx in front of gateways on these loopback ports and waits until it accepts connections.</summary>
    public static async Task<NginxProcess> StartAsync(int firstGatewayPort, int secondGatewayPort)
    {
        if (!File.Exists(Binary))
            throw new InvalidOperationException($"{Binary} is missing: run scripts/install-test-deps.sh (Debian's nginx package).");
        var folder = Directory.CreateTempSubdirectory("robyn-nginx-").FullName;
        // nginx's workers run as another user when the tests run as root; they must reach their temp folders.
        if (OperatingSystem.IsLinux())
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var port = GatewayProcess.FreePort();
        WriteConfig(folder, port, firstGatewayPort, secondGatewayPort);

        var psi = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-p", folder + "/", "-c", Path.Combine(folder, "nginx.conf"), "-e", Path.Combine(folder, "error.log") })
            psi.ArgumentList.Add(arg);
        var process = Process.Start(psi)!;
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var nginx = new NginxProcess(process, folder, port);
        await nginx.WaitReadyAsync();
        return nginx;
    }

    static void WriteConfig(string folder, int port, int first, int second)
    {
        var shipped = Path.Combine(AppContext.BaseDirectory, "nginx");
        var robyn = Directory.CreateDirectory(Path.Combine(folder, "robyn")).FullName;
        foreach (var file in Directory.GetFiles(shipped, "*.conf"))
            File.Copy(file, Path.Combine(robyn, Path.GetFileName(file)));

        Rewrite(Path.Combine(robyn, "upstream.conf"),
            (@"server gateway-1:8000\b", $"server 127.0.0.1:{first}"),
            (@"server gateway-2:8001\b", $"server 127.0.0.1:{second}"));
        Rewrite(Path.Combine(robyn, "robyn-gateway.conf"), (@"listen 80;", $"listen 127.0.0.1:{port};"));

        File.WriteAllText(Path.Combine(folder, "nginx.conf"), $$"""
            daemon off;
            worker_processes 1;
            pid {{folder}}/nginx.pid;
            error_log {{folder}}/error.log info;
            events { worker_connections 256; }
            http {
                access_log {{folder}}/access.log;
                client_body_temp_path {{folder}}/client_body;
                proxy_temp_path {{folder}}/proxy;
                fastcgi_temp_path {{folder}}/fastcgi;
                uwsgi_temp_path {{folder}}/uwsgi;
                scgi_temp_path {{folder}}/scgi;
                include robyn/robyn-gateway.conf;
            }
            """);
    }

    /// <summary>Each pattern must match once: a change to the shipped files shows here, not as a puzzling test.</summary>
    static void Rewrite(string file, params (string Pattern, string Replacement)[] changes)
    {
        var text = File.ReadAllText(file);
        foreach (var (pattern, replacement) in changes)
        {
            if (Regex.Matches(text, pattern).Count != 1)
                throw new InvalidOperationException($"{Path.GetFileName(file)} should contain '{pattern}' once:\n{text}");
            text = Regex.Replace(text, pattern, replacement);
        }
        File.WriteAllText(file, text);
    }

    async Task WaitReadyAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"nginx exited with {_process.ExitCode}:\n{ErrorLog}");
            try
            {
                using var socket = new TcpClient();
                await socket.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(25);
            }
        }
        throw new TimeoutException($"nginx did not open port {Port}:\n{ErrorLog}");
    }

    /// <summary>Fast shutdown of the master we started (it stops its workers); SIGKILL for both only if it hangs.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            kill(_process.Id, 15);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                foreach (var worker in ReadOrEmpty($"/proc/{_process.Id}/task/{_process.Id}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    kill(int.Parse(worker), 9);
                kill(_process.Id, 9);
                await _process.WaitForExitAsync();
            }
        }
        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
