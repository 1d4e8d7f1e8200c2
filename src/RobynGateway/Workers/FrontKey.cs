using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Primitives;

namespace RobynGateway.Workers;

/// <summary>
/// How a worker tells its front's requests from anyone else's: a key drawn at every start of the
/// front (256 random bits), kept in the socket folder (mode 0600 in a 0700 folder: never on a
/// command line, which every user can read, nor in the environment the app and its subprocesses
/// see). The front sets it as a header on every request it forwards, replacing any the client
/// sent; the worker believes X-Forwarded-* only from a request that carries it, and removes the
/// header before the app sees anything.
/// </summary>
internal sealed class FrontKey
{
    public const string Header = "X-Robyn-Front";
    const string FileName = "front.key";

    FrontKey(string value) => Value = value;

    /// <summary>The header value: 64 hex digits.</summary>
    public string Value { get; }

    /// <summary>In the front, before any worker starts.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static FrontKey Create(string socketFolder)
    {
        var key = new FrontKey(Convert.ToHexStringLower(Posix.RandomBytes(32)));
        var path = Path.Combine(socketFolder, FileName);
        using (var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            file.Write(System.Text.Encoding.ASCII.GetBytes(key.Value));
        }
        return key;
    }

    /// <summary>In a worker: the key of the front whose folder holds its socket; null if there is none (then nothing is believed).</summary>
    public static FrontKey? ReadBeside(string workerSocket)
    {
        try
        {
            var text = File.ReadAllText(Path.Combine(Path.GetDirectoryName(workerSocket)!, FileName)).Trim();
            return text.Length == 64 ? new FrontKey(text) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether the request's header is exactly the key. Constant time over the key's length (the
    /// length itself is public); no allocation: both sides are compared as the bytes of their chars.
    /// </summary>
    public bool Matches(StringValues header) =>
        header.Count == 1 && header[0] is { } value
        && CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(value.AsSpan()), MemoryMarshal.AsBytes(Value.AsSpan()));
}
