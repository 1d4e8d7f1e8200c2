using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace RobynGateway.TestClient;

/// <summary>
/// The bytes robyn._embedded and <see cref="TestClientExports"/> exchange.
/// Headers travel as UTF-8 <c>name\0value\0</c> pairs, in order, a name repeated for each value.
/// A response is one native buffer, freed by the caller through <c>robyn_free</c>:
/// <c>[int32 status][int32 header bytes][header pairs][body]</c>, little-endian.
/// </summary>
internal static unsafe class WireFormat
{
    public static List<KeyValuePair<string, string>> ReadHeaders(ReadOnlySpan<byte> block)
    {
        var headers = new List<KeyValuePair<string, string>>();
        while (!block.IsEmpty)
        {
            var nameEnd = block.IndexOf((byte)0);
            if (nameEnd < 0) throw new FormatException("header block: a name without its value");
            var rest = block[(nameEnd + 1)..];
            var valueEnd = rest.IndexOf((byte)0);
            if (valueEnd < 0) throw new FormatException("header block: a value without its terminator");
            headers.Add(new(Encoding.UTF8.GetString(block[..nameEnd]), Encoding.UTF8.GetString(rest[..valueEnd])));
            block = rest[(valueEnd + 1)..];
        }
        return headers;
    }

    public static byte[] WriteHeaders(IEnumerable<KeyValuePair<string, string>> headers)
    {
        var bytes = new List<byte>();
        foreach (var (name, value) in headers)
        {
            bytes.AddRange(Encoding.UTF8.GetBytes(name));
            bytes.Add(0);
            bytes.AddRange(Encoding.UTF8.GetBytes(value));
            bytes.Add(0);
        }
        return bytes.ToArray();
    }

    /// <summary>A native response buffer; the caller frees it with <see cref="Free"/>.</summary>
    public static nint AllocResponse(int status, ReadOnlySpan<byte> headers, ReadOnlySpan<byte> body, out long length)
    {
        length = 8L + headers.Length + body.Length;
        var buffer = (byte*)NativeMemory.Alloc((nuint)length);
        var span = new Span<byte>(buffer, checked((int)length));
        BinaryPrimitives.WriteInt32LittleEndian(span, status);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], headers.Length);
        headers.CopyTo(span[8..]);
        body.CopyTo(span[(8 + headers.Length)..]);
        return (nint)buffer;
    }

    /// <summary>A websocket message for the caller: <c>[int32 kind][int32 close code][payload]</c>, freed with <see cref="Free"/>.</summary>
    public static nint AllocMessage(int kind, int closeCode, ReadOnlySpan<byte> payload, out long length)
    {
        length = 8L + payload.Length;
        var buffer = (byte*)NativeMemory.Alloc((nuint)length);
        var span = new Span<byte>(buffer, checked((int)length));
        BinaryPrimitives.WriteInt32LittleEndian(span, kind);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], closeCode);
        payload.CopyTo(span[8..]);
        return (nint)buffer;
    }

    /// <summary>A native, NUL-terminated UTF-8 copy of <paramref name="text"/> (error messages).</summary>
    public static nint AllocText(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var buffer = (byte*)NativeMemory.Alloc((nuint)bytes.Length + 1);
        bytes.CopyTo(new Span<byte>(buffer, bytes.Length));
        buffer[bytes.Length] = 0;
        return (nint)buffer;
    }

    public static void Free(nint buffer) => NativeMemory.Free((void*)buffer);
}
