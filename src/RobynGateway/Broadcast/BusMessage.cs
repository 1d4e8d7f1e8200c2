using System.Text;

namespace RobynGateway.Broadcast;

/// <summary>
/// What instances say to each other on the channel. Every message names its sender (an instance id
/// drawn at start), so an instance skips its own and knows whose connections a message is about.
/// Binary: [byte type][string sender][fields], strings as <see cref="BinaryWriter"/> writes them
/// (7-bit length, UTF-8), a payload as int32 length and bytes.
/// </summary>
internal enum BusType : byte
{
    /// <summary>I am alive, with this many connections (a peer that counts otherwise asks for my roster).</summary>
    Beat = 1,

    /// <summary>Send me your roster (target: one instance, or "" for every one).</summary>
    Ask = 2,

    /// <summary>All my connections: (path, id) pairs; replaces what the receiver knew of me.</summary>
    Roster = 3,

    Joined = 4,
    Left = 5,
    Broadcast = 6,
    SendTo = 7,
    Close = 8,
}

internal sealed class BusMessage
{
    public BusType Type { get; init; }
    public string Sender { get; init; } = "";
    public string Path { get; init; } = "";
    public string Id { get; init; } = "";
    public string Text { get; init; } = ""; // Ask's target, Close's reason
    public int Number { get; init; } // Beat's count, Close's code
    public bool Binary { get; init; }
    public byte[] Payload { get; init; } = [];
    public IReadOnlyList<(string Path, string Id)> Roster { get; init; } = [];

    public byte[] Encode()
    {
        using var stream = new MemoryStream(32 + Payload.Length + Path.Length + Id.Length);
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write((byte)Type);
            w.Write(Sender);
            switch (Type)
            {
                case BusType.Beat:
                    w.Write(Number);
                    break;
                case BusType.Ask:
                    w.Write(Text);
                    break;
                case BusType.Roster:
                    w.Write(Roster.Count);
                    foreach (var (path, id) in Roster)
                    {
                        w.Write(path);
                        w.Write(id);
                    }
                    break;
                case BusType.Joined or BusType.Left:
                    w.Write(Path);
                    w.Write(Id);
                    break;
                case BusType.Broadcast or BusType.SendTo:
                    w.Write(Path);
                    w.Write(Id);
                    w.Write(Binary);
                    w.Write(Payload.Length);
                    w.Write(Payload);
                    break;
                case BusType.Close:
                    w.Write(Id);
                    w.Write(Number);
                    w.Write(Text);
                    break;
            }
        }
        return stream.ToArray();
    }

    /// <summary>Null for anything that is not one of ours (another program on the channel, a newer version).</summary>
    public static BusMessage? Decode(byte[] data)
    {
        try
        {
            using var r = new BinaryReader(new MemoryStream(data, writable: false), Encoding.UTF8);
            var type = (BusType)r.ReadByte();
            var sender = r.ReadString();
            return type switch
            {
                BusType.Beat => new BusMessage { Type = type, Sender = sender, Number = r.ReadInt32() },
                BusType.Ask => new BusMessage { Type = type, Sender = sender, Text = r.ReadString() },
                BusType.Roster => new BusMessage { Type = type, Sender = sender, Roster = ReadRoster(r) },
                BusType.Joined or BusType.Left => new BusMessage { Type = type, Sender = sender, Path = r.ReadString(), Id = r.ReadString() },
                BusType.Broadcast or BusType.SendTo => new BusMessage
                {
                    Type = type, Sender = sender, Path = r.ReadString(), Id = r.ReadString(), Binary = r.ReadBoolean(),
                    Payload = r.ReadBytes(r.ReadInt32()),
                },
                BusType.Close => new BusMessage { Type = type, Sender = sender, Id = r.ReadString(), Number = r.ReadInt32(), Text = r.ReadString() },
                _ => null,
            };
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or FormatException or ArgumentException or OverflowException)
        {
            return null;
        }
    }

    static List<(string, string)> ReadRoster(BinaryReader r)
    {
        var count = r.ReadInt32();
        if (count is < 0 or > 10_000_000) throw new FormatException("roster size");
        var list = new List<(string, string)>(Math.Min(count, 65536));
        for (var i = 0; i < count; i++) list.Add((r.ReadString(), r.ReadString()));
        return list;
    }
}
