using System.Buffers.Binary;
using System.Text;

namespace RobynGateway.WebSockets;

/// <summary>
/// The messages between a worker's hub and the front's relay (<c>--processes N</c>), over a Unix
/// socket: <c>[int32 length][byte type][fields]</c>, little-endian. An id is a length-prefixed
/// UTF-8 string; a payload runs to the end of the frame. Both directions use the same types.
/// </summary>
internal enum RelayMessage : byte
{
    /// <summary>A connection opened: endpoint, id.</summary>
    Joined = 1,

    /// <summary>A connection closed: id.</summary>
    Left = 2,

    /// <summary>A broadcast to an endpoint: endpoint, binary, payload.</summary>
    Broadcast = 3,

    /// <summary>A message for one connection: id, binary, payload.</summary>
    SendTo = 4,

    /// <summary>Close one connection: the code in the endpoint field, id, the reason (UTF-8) as payload.</summary>
    Close = 5,

    /// <summary>A worker's websocket paths, by index ('\n'-separated payload): what the front's --broadcast names them by.</summary>
    Endpoints = 6,
}

internal readonly record struct RelayFrame(RelayMessage Type, int Endpoint, string Id, bool Binary, byte[] Payload)
{
    const int MaxFrame = 64 << 20;

    public byte[] Encode()
    {
        var id = Encoding.UTF8.GetBytes(Id);
        var length = 1 + 4 + 2 + id.Length + 1 + Payload.Length;
        var frame = new byte[4 + length];
        var span = frame.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(span, length);
        span[4] = (byte)Type;
        BinaryPrimitives.WriteInt32LittleEndian(span[5..], Endpoint);
        BinaryPrimitives.WriteUInt16LittleEndian(span[9..], (ushort)id.Length);
        id.CopyTo(span[11..]);
        span[11 + id.Length] = Binary ? (byte)1 : (byte)0;
        Payload.CopyTo(span[(12 + id.Length)..]);
        return frame;
    }

    /// <summary>Reads one frame; null at the end of the stream.</summary>
    public static async Task<RelayFrame?> ReadAsync(Stream stream, CancellationToken cancel)
    {
        var header = new byte[4];
        if (!await ReadExactlyOrEnd(stream, header, cancel)) return null;
        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length is < 8 or > MaxFrame) throw new InvalidDataException($"relay frame of {length} bytes");
        var body = new byte[length];
        if (!await ReadExactlyOrEnd(stream, body, cancel)) return null;
        var idLength = BinaryPrimitives.ReadUInt16LittleEndian(body.AsSpan(5));
        return new RelayFrame(
            (RelayMessage)body[0],
            BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(1)),
            Encoding.UTF8.GetString(body, 7, idLength),
            body[7 + idLength] == 1,
            body.AsSpan(8 + idLength).ToArray());
    }

    static async Task<bool> ReadExactlyOrEnd(Stream stream, byte[] buffer, CancellationToken cancel)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, cancel).ConfigureAwait(false);
            return true;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
    }
}
