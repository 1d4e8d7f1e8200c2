using System.Text;

namespace RobynGateway.Python;

/// <summary>
/// Python objects every request would otherwise create: the method names, the schemes, empty
/// str/bytes/tuple. Made once and kept for the life of the process.
/// </summary>
internal static unsafe class PyConstants
{
    /// <summary>The methods Robyn routes; anything else is answered 405 before routing.</summary>
    public static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE"];

    // Borrowed by everyone: this class owns them, and never releases them.
    public static BorrowedRef[] MethodObjects { get; private set; } = [];
    public static BorrowedRef Http { get; private set; }
    public static BorrowedRef Https { get; private set; }
    public static BorrowedRef EmptyString { get; private set; }
    public static BorrowedRef EmptyBytes { get; private set; }
    public static BorrowedRef EmptyTuple { get; private set; }

    /// <summary>The route index of a request no route matches.</summary>
    public static BorrowedRef MinusOne { get; private set; }

    static readonly object Gate = new();

    /// <summary>Index into <see cref="Methods"/>, or -1. Reference checks first: Kestrel interns known methods.</summary>
    public static int MethodIndex(string method)
    {
        for (var i = 0; i < Methods.Length; i++)
            if (ReferenceEquals(method, Methods[i])) return i;
        for (var i = 0; i < Methods.Length; i++)
            if (string.Equals(method, Methods[i], StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }

    /// <summary>Creates the constants once.</summary>
    public static void EnsureCreated(GilHeld gil)
    {
        lock (Gate)
        {
            if (!MinusOne.IsNull) return;
            MethodObjects = Methods.Select(m => Forever(Str(m))).ToArray();
            Http = Forever(Str("http"));
            Https = Forever(Str("https"));
            EmptyString = Forever(Str(""));
            EmptyBytes = Forever(CApi.PyBytes_FromStringAndSize(null, 0));
            EmptyTuple = Forever(CApi.PyTuple_New(0));
            MinusOne = Forever(CApi.PyLong_FromLongLong(-1));
        }
    }

    static BorrowedRef Forever(NewRef owned) => new(owned.Steal());

    public static NewRef Str(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        fixed (byte* p = bytes) return CApi.PyUnicode_DecodeUTF8(p, bytes.Length, null);
    }
}
