using System.Buffers.Binary;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using RobynGateway.TestClient;

namespace RobynGateway.Tests.TestClient;

/// <summary>The bytes the TestClient (robyn/_embedded.py) and the gateway exchange; no Python involved.</summary>
public sealed unsafe class WireFormatTests
{
    [Fact]
    public void Headers_round_trip_in_order_with_repeats_utf8_and_empty_values()
    {
        KeyValuePair<string, string>[] headers = [new("X-Many", "1"), new("x-many", "2"), new("X-Name", "zoë"), new("X-Empty", "")];
        Assert.Equal(headers, WireFormat.ReadHeaders(WireFormat.WriteHeaders(headers)));
        Assert.Equal("a\0b\0"u8.ToArray(), WireFormat.WriteHeaders([new("a", "b")]));
        Assert.Empty(WireFormat.ReadHeaders([]));
    }

    [Theory]
    [InlineData("name-only\0")]
    [InlineData("name\0value-without-end")]
    [InlineData("no-terminator")]
    public void A_truncated_header_block_is_refused(string block) =>
        Assert.Throws<FormatException>(() => WireFormat.ReadHeaders(Encoding.UTF8.GetBytes(block)));

    [Fact]
    public void A_websocket_message_is_kind_close_code_then_payload()
    {
        var buffer = WireFormat.AllocMessage(2, 1001, "going away"u8, out var length);
        try
        {
            var bytes = new ReadOnlySpan<byte>((void*)buffer, (int)length);
            Assert.Equal(8 + 10, length);
            Assert.Equal(2, BinaryPrimitives.ReadInt32LittleEndian(bytes));
            Assert.Equal(1001, BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]));
            Assert.Equal("going away", Encoding.UTF8.GetString(bytes[8..]));
        }
        finally
        {
            WireFormat.Free(buffer);
        }
    }

    [Fact]
    public void A_response_is_status_header_length_headers_then_body()
    {
        var headers = WireFormat.WriteHeaders([new("content-type", "text/plain")]);
        var buffer = WireFormat.AllocResponse(418, headers, "teapot"u8, out var length);
        try
        {
            var bytes = new ReadOnlySpan<byte>((void*)buffer, (int)length);
            Assert.Equal(8 + headers.Length + 6, length);
            Assert.Equal(418, BinaryPrimitives.ReadInt32LittleEndian(bytes));
            Assert.Equal(headers.Length, BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]));
            Assert.Equal(headers, bytes[8..(8 + headers.Length)].ToArray());
            Assert.Equal("teapot", Encoding.UTF8.GetString(bytes[(8 + headers.Length)..]));
        }
        finally
        {
            WireFormat.Free(buffer);
        }
    }

    [Fact]
    public void Error_text_is_nul_terminated_utf8()
    {
        var text = WireFormat.AllocText("échec");
        try
        {
            Assert.Equal("échec", Marshal.PtrToStringUTF8(text));
        }
        finally
        {
            WireFormat.Free(text);
        }
    }

    [Fact]
    public void The_entry_points_are_where_robyn_embedded_looks_for_them()
    {
        // robyn/_embedded.py: EXPORTS_TYPE = "RobynGateway.TestClient.TestClientExports, RobynGateway".
        var type = typeof(TestClientExports);
        Assert.Equal("RobynGateway.TestClient.TestClientExports", type.FullName);
        Assert.Equal("RobynGateway", type.Assembly.GetName().Name);
        foreach (var name in new[] { "Open", "Send", "Close", "Free" })
        {
            var method = type.GetMethod(name, BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public);
            Assert.NotNull(method);
            Assert.NotNull(method.GetCustomAttribute<UnmanagedCallersOnlyAttribute>());
        }
    }
}
