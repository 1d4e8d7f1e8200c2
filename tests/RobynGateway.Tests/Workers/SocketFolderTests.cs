using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Primitives;
using RobynGateway.Workers;
using Serilog;

namespace RobynGateway.Tests.Workers;

/// <summary>The front's socket folder and key, without starting a gateway (a temp dir of the test's own as the root).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SocketFolderTests : IDisposable
{
    const int DeadPid = 2147483646; // above any pid_max: no process has it
    static readonly ILogger Quiet = new LoggerConfiguration().CreateLogger();
    readonly string _root = Directory.CreateTempSubdirectory("socket-folder-tests-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_new_folder_is_ours_mode_700_and_named_unpredictably()
    {
        using var a = SocketFolder.Create(_root, Quiet);
        using var b = SocketFolder.Create(_root, Quiet);
        Assert.NotEqual(a.Path, b.Path);
        Assert.StartsWith(Path.Combine(_root, $"robyn-gateway-{Environment.ProcessId}-"), a.Path);
        Assert.Equal("0 700 directory", await Stat(a.Path));
        Assert.Null(SocketFolder.Problem(a.Path));

        a.Dispose();
        Assert.False(Directory.Exists(a.Path));
    }

    [Fact]
    public void Problem_names_what_is_wrong_with_a_folder()
    {
        var open = Directory.CreateDirectory(Path.Combine(_root, "open")).FullName;
        File.SetUnixFileMode(open, (UnixFileMode)0x1FF);
        Assert.Contains("mode 777", SocketFolder.Problem(open));
        var link = Path.Combine(_root, "link");
        File.CreateSymbolicLink(link, open);
        Assert.Contains("symlink", SocketFolder.Problem(link));
        Assert.Equal("does not exist", SocketFolder.Problem(Path.Combine(_root, "missing")));
    }

    [Fact]
    public async Task A_start_removes_only_our_folders_whose_front_is_gone()
    {
        string Make(string name) => Directory.CreateDirectory(Path.Combine(_root, name)).FullName;
        var stale = Make($"robyn-gateway-{DeadPid}-0123456789abcdef");
        File.WriteAllText(Path.Combine(stale, "front.key"), "x");
        var staleOldName = Make($"robyn-gateway-{DeadPid}");
        var live = Make("robyn-gateway-1-0123456789abcdef"); // pid 1 runs
        var target = Make("target");
        var link = Path.Combine(_root, $"robyn-gateway-{DeadPid}-link");
        File.CreateSymbolicLink(link, target);
        var foreign = Make($"robyn-gateway-{DeadPid}-nobody");
        Assert.Equal(0, await Run("chown", "nobody:nogroup", foreign));
        var answering = Make($"robyn-gateway-{DeadPid}-answering"); // a front in another pid namespace
        using var relay = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        relay.Bind(new UnixDomainSocketEndPoint(Path.Combine(answering, "relay.sock")));
        relay.Listen(1);
        var unrelated = Make("robyn-gateway-notapid");

        using var folder = SocketFolder.Create(_root, Quiet);

        Assert.False(Directory.Exists(stale));
        Assert.False(Directory.Exists(staleOldName));
        Assert.True(Directory.Exists(live));
        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.True(Directory.Exists(target));
        Assert.True(Directory.Exists(foreign));
        Assert.True(Directory.Exists(answering));
        Assert.True(Directory.Exists(unrelated));
    }

    [Theory]
    [InlineData("robyn-gateway-123-abc", 123)]
    [InlineData("robyn-gateway-123", 123)]
    [InlineData("robyn-gateway--1", null)]
    [InlineData("robyn-gateway-x1", null)]
    [InlineData("robyn-gateway-0", null)]
    [InlineData("other-123", null)]
    public void The_front_pid_is_read_from_both_names(string name, int? pid) => Assert.Equal(pid, SocketFolder.FrontPid(name));

    [Fact]
    public void The_key_is_64_hex_digits_in_a_0600_file_and_matches_only_itself()
    {
        using var folder = SocketFolder.Create(_root, Quiet);
        var key = FrontKey.Create(folder.Path);
        Assert.Matches("^[0-9a-f]{64}$", key.Value);
        var file = Path.Combine(folder.Path, "front.key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var read = FrontKey.ReadBeside(Path.Combine(folder.Path, "w0-1.sock"))!;
        Assert.Equal(key.Value, read.Value);

        Assert.True(read.Matches(key.Value));
        Assert.False(read.Matches(key.Value[..63] + (key.Value[63] == '0' ? '1' : '0')));
        Assert.False(read.Matches(key.Value[..32]));
        Assert.False(read.Matches(StringValues.Empty));
        Assert.False(read.Matches(new StringValues([key.Value, key.Value])));
        Assert.Null(FrontKey.ReadBeside(Path.Combine(_root, "elsewhere", "w0-1.sock")));
    }

    static async Task<string> Stat(string path)
    {
        var psi = new ProcessStartInfo("stat", ["-c", "%u %a %F", path]) { RedirectStandardOutput = true };
        using var process = Process.Start(psi)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output.Trim();
    }

    static async Task<int> Run(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args))!;
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}
