using System.Xml;

namespace NeuroLab.Formats.Gifti;

/// <summary>
/// The decoded bytes of the current <c>Data</c> element, pulled from
/// <see cref="XmlReader.ReadElementContentAsBase64"/> chunk by chunk so a large array is never held twice
/// as text. Returns 0 once the element is finished (the reader is then after its end tag).
/// </summary>
internal sealed class XmlBase64Stream(XmlReader reader) : Stream
{
    private bool _done;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_done || count == 0)
        {
            return 0;
        }
        int n = reader.ReadElementContentAsBase64(buffer, offset, count);
        if (n == 0)
        {
            _done = true;
        }
        return n;
    }

    /// <summary>Reads and discards the rest of the element so the reader moves past it.</summary>
    public void Drain()
    {
        var scratch = new byte[4096];
        while (Read(scratch, 0, scratch.Length) > 0)
        {
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>Forwards reads and seeks to a caller's stream but leaves it open when disposed.</summary>
internal sealed class NonClosingStream(Stream inner) : Stream
{
    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => inner.CanSeek;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position { get => inner.Position; set => inner.Position = value; }

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => inner.Read(buffer);

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

