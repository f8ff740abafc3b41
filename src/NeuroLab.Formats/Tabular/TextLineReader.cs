using System.Text;

namespace NeuroLab.Formats.Tabular;

/// <summary>
/// Reads a text table line by line with the guards a plain <see cref="StreamReader.ReadLine"/> lacks:
/// a cap on line length (a file without line breaks cannot exhaust memory), control-character detection
/// (binary files, UTF-16 without a byte-order mark), corrupt-gzip wrapping, and a gzip length check that catches
/// truncated <c>.gz</c> files, which <see cref="System.IO.Compression.GZipStream"/> ends silently on.
/// Lines may end in LF, CRLF or a lone CR; a UTF-8 or UTF-16 byte-order mark is honoured.
/// </summary>
internal sealed class TextLineReader : IDisposable
{
    private const int BufferChars = 1 << 16;

    private readonly CountingStream _counting;
    private readonly StreamReader _reader;
    private readonly string _fileName;
    private readonly int _maxLineChars;
    private readonly long? _gzipDeclaredSize;
    private readonly char[] _buffer = new char[BufferChars];
    private readonly StringBuilder _line = new();
    private int _position;
    private int _length;
    private bool _ended;

    private TextLineReader(Stream decoded, string fileName, int maxLineChars, long? gzipDeclaredSize)
    {
        _counting = new CountingStream(decoded, disposeInner: true);
        _reader = new StreamReader(_counting, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, BufferChars);
        _fileName = fileName;
        _maxLineChars = maxLineChars;
        _gzipDeclaredSize = gzipDeclaredSize;
    }

    /// <summary>Physical line number (1-based) of the line last returned by <see cref="ReadLine"/>.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Characters decoded so far, line breaks included.</summary>
    public long CharsRead { get; private set; }

    /// <summary>
    /// Opens <paramref name="stream"/> (plain or gzip, detected by magic bytes). Disposing the reader
    /// disposes the stream only when <paramref name="leaveOpen"/> is false.
    /// </summary>
    public static TextLineReader Open(Stream stream, string fileName, int maxLineChars, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(stream);
        long? declared = null;
        if (stream.CanSeek)
        {
            declared = ReadGzipDeclaredSize(stream);
        }
        var source = leaveOpen ? new CountingStream(stream, disposeInner: false) : stream;
        return new TextLineReader(StreamReading.WrapMaybeGzip(source), fileName, maxLineChars, declared);
    }

    /// <summary>The next line without its line break, or null at the end of the file.</summary>
    public string? ReadLine()
    {
        _line.Clear();
        bool any = false;
        while (true)
        {
            if (_position == _length && !Fill())
            {
                if (!any)
                {
                    return null;
                }
                LineNumber++;
                return _line.ToString();
            }
            any = true;
            int start = _position;
            while (_position < _length)
            {
                char c = _buffer[_position];
                if (c == '\n' || c == '\r')
                {
                    break;
                }
                if (c < ' ' && c != '\t' && c != '\f' && c != '\v')
                {
                    // Text tables never hold other control characters; binary files (images, NIfTI, .npy) soon do.
                    var what = c == '\0' ? "a NUL character" : $"the control character U+{(int)c:X4}";
                    throw new FormatReadException(_fileName, $"line {LineNumber + 1} contains {what}: this is not a text table (a binary file such as an image or NIfTI volume, or UTF-16 text without a byte-order mark?).");
                }
                _position++;
            }
            if (_line.Length + (_position - start) > _maxLineChars)
            {
                throw new FormatReadException(_fileName, $"line {LineNumber + 1} is longer than {_maxLineChars:N0} characters; this does not look like a text table (or raise the line-length limit).");
            }
            _line.Append(_buffer, start, _position - start);
            if (_position < _length)
            {
                char end = _buffer[_position++];
                if (end == '\r' && (_position < _length || Fill()) && _buffer[_position] == '\n')
                {
                    _position++;
                }
                LineNumber++;
                return _line.ToString();
            }
        }
    }

    public void Dispose() => _reader.Dispose();

    private bool Fill()
    {
        if (_ended)
        {
            return false;
        }
        try
        {
            _length = _reader.Read(_buffer, 0, _buffer.Length);
        }
        catch (InvalidDataException e)
        {
            throw new FormatReadException(_fileName, $"corrupt compressed data near line {LineNumber + 1} ({e.Message}).", e);
        }
        _position = 0;
        CharsRead += _length;
        if (_length == 0)
        {
            _ended = true;
            CheckGzipLength();
            return false;
        }
        return true;
    }

    private void CheckGzipLength()
    {
        // The gzip trailer stores the decompressed size mod 2^32 of the last member. A truncated file ends
        // in arbitrary deflate bytes, which almost always claim more than was decoded; a valid
        // multi-member file's last member never claims more than the total, so this cannot reject it.
        if (_gzipDeclaredSize is { } declared && declared > (_counting.BytesRead & 0xFFFF_FFFF))
        {
            throw new FormatReadException(_fileName, $"compressed data ends early: the gzip trailer promises {declared:N0} bytes, only {_counting.BytesRead:N0} could be decompressed (truncated download?).");
        }
    }

    private static long? ReadGzipDeclaredSize(Stream stream)
    {
        long start = stream.Position;
        if (stream.Length - start < 18)
        {
            return null;
        }
        Span<byte> head = stackalloc byte[2];
        StreamReading.ReadUpTo(stream, head);
        long? declared = null;
        if (StreamReading.IsGzip(head))
        {
            Span<byte> trailer = stackalloc byte[4];
            stream.Position = stream.Length - 4;
            if (StreamReading.ReadUpTo(stream, trailer) == 4)
            {
                declared = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(trailer);
            }
        }
        stream.Position = start;
        return declared;
    }

    /// <summary>Counts bytes read; also serves as a wrapper that leaves the caller's stream open.</summary>
    private sealed class CountingStream(Stream inner, bool disposeInner) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = inner.Read(buffer);
            BytesRead += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && disposeInner)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
