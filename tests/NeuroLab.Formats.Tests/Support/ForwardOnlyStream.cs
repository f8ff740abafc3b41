namespace NeuroLab.Formats.Tests.Support;

/// <summary>
/// A read-only stream that cannot seek and returns at most 4,093 bytes per read, like a network upload:
/// readers must not assume seeking or full reads.
/// </summary>
public sealed class ForwardOnlyStream(Stream inner) : Stream
{
    public ForwardOnlyStream(byte[] bytes)
        : this(new MemoryStream(bytes))
    {
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 4093));

    public override int Read(Span<byte> buffer) => inner.Read(buffer[..Math.Min(buffer.Length, 4093)]);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
