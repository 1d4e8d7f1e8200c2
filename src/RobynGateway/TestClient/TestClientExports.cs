using System.Runtime.InteropServices;
using System.Text;
using RobynGateway.Python;

namespace RobynGateway.TestClient;

/// <summary>
/// The C entry points robyn.testing calls through ctypes, after loading this assembly into the
/// test process with hostfxr (<c>load_assembly_and_get_function_pointer</c>).
///
/// Design notes:
/// * Python calls every entry with the GIL released (ctypes does that around a foreign call), so
///   C# may take the GIL on this thread (Gil.Acquire() finds the thread's own Python state) and may
///   block this thread while other threads need the GIL: the sync workers, the app's loop. An
///   entry called with the GIL held would deadlock on the first handler; none is.
/// * Nothing unwinds into native code: an entry returns 0, or an error code with a UTF-8 message
///   in <c>*error</c> (1 = failed, 2 = timed out) that the caller frees with <see cref="Free"/>.
/// * A client is a GCHandle to its <see cref="TestHost"/>, valid from Open until Close.
/// </summary>
internal static unsafe partial class TestClientExports
{
    const int Failed = 1, TimedOut = 2;

    /// <summary><c>int robyn_open(PyObject* app, int workers, void** client, char** error)</c></summary>
    [UnmanagedCallersOnly]
    static int Open(nint app, int workers, nint* client, nint* error)
    {
        try
        {
            var host = TestHost.Start(new Python.BorrowedRef(app), Math.Max(1, workers)); // the caller keeps app alive
            *client = GCHandle.ToIntPtr(GCHandle.Alloc(host));
            return 0;
        }
        catch (Exception ex)
        {
            return Fail(ex, error);
        }
    }

    /// <summary>
    /// <c>int robyn_send(void* client, char* method, char* target, char* headers, long headers_length,
    /// char* body, long body_length, int timeout_ms, void** response, long* response_length)</c>:
    /// <c>target</c> is the path and query, percent-encoded; the response is <see cref="WireFormat"/>'s.
    /// </summary>
    [UnmanagedCallersOnly]
    static int Send(nint client, byte* method, byte* target, byte* headers, long headersLength, byte* body,
        long bodyLength, int timeoutMs, nint* response, long* responseLength)
    {
        try
        {
            var host = (TestHost)GCHandle.FromIntPtr(client).Target!;
            *response = host.Send(
                Marshal.PtrToStringUTF8((nint)method)!,
                Marshal.PtrToStringUTF8((nint)target)!,
                WireFormat.ReadHeaders(new ReadOnlySpan<byte>(headers, checked((int)headersLength))),
                new ReadOnlySpan<byte>(body, checked((int)bodyLength)).ToArray(),
                TimeSpan.FromMilliseconds(timeoutMs),
                out var length);
            *responseLength = length;
            return 0;
        }
        catch (Exception ex)
        {
            return Fail(ex, response);
        }
    }

    /// <summary><c>int robyn_close(void* client, char** error)</c>: runs the shutdown handler; the handle is freed.</summary>
    [UnmanagedCallersOnly]
    static int Close(nint client, nint* error)
    {
        var handle = GCHandle.FromIntPtr(client);
        try
        {
            ((TestHost)handle.Target!).Close();
            return 0;
        }
        catch (Exception ex)
        {
            return Fail(ex, error);
        }
        finally
        {
            handle.Free();
        }
    }

    /// <summary><c>void robyn_free(void* buffer)</c>: frees a response or an error message.</summary>
    [UnmanagedCallersOnly]
    static void Free(nint buffer) => WireFormat.Free(buffer);

    static int Fail(Exception ex, nint* error)
    {
        var (code, text) = ex switch
        {
            TestRequestTimeoutException => (TimedOut, ex.Message),
            AppLoadException or TestSocketRefusedException or TestSocketClosedException => (Failed, ex.Message),
            AggregateException { InnerExceptions: [var inner] } => (Failed, inner.ToString()),
            _ => (Failed, ex.ToString()),
        };
        *error = WireFormat.AllocText(text);
        return code;
    }
}
