namespace RobynGateway.Workers;

/// <summary>
/// A request body without a declared length, read through to YARP, failing with a 413
/// <see cref="BadHttpRequestException"/> on the read that takes it past the limit: those bytes are
/// not handed on. Only bodies of unknown length get one (an object per chunked upload).
/// </summary>
internal sealed class CountedBody(Stream inner, long limit) : Stream
{
    long _read;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    int Count(int read)
    {
        _read += read;
        if (_read > limit)
            throw new BadHttpRequestException($"Request body over ROBYN_MAX_PAYLOAD_SIZE ({limit} bytes)", StatusCodes.Status413PayloadTooLarge);
        return read;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
