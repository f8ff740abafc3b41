namespace NeuroLab.Formats.Matlab;

/// <summary>
/// A read-only window of a known length over another stream: a data element's content. Reading stops
/// at the element's end, so a length field that lies cannot make a parser run into the next element,
/// and <see cref="Remaining"/> lets the parser check a nested length before allocating for it.
/// Does not own the inner stream.
/// </summary>
internal sealed class BoundedStream(Stream inner, long length) : Stream
{
    private long _remaining = length;

    /// <summary>Bytes of the window not read yet.</summary>
    public long Remaining => _remaining;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_remaining <= 0 || buffer.Length == 0)
        {
            return 0;
        }
        int wanted = (int)Math.Min(buffer.Length, _remaining);
        int n = inner.Read(buffer[..wanted]);
        _remaining -= n;
        return n;
    }

    /// <summary>Moves to the end of the window (seeking the inner stream when it can).</summary>
    public void SkipRest(string fileName, string what)
    {
        if (_remaining <= 0)
        {
            return;
        }
        if (inner.CanSeek)
        {
            if (inner.Length - inner.Position < _remaining)
            {
                throw new FormatReadException(fileName, $"file ends early: {what} needs {_remaining:N0} more bytes, only {inner.Length - inner.Position:N0} remain.");
            }
            inner.Seek(_remaining, SeekOrigin.Current);
            _remaining = 0;
            return;
        }
        StreamReading.Skip(this, _remaining, fileName, what);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
