namespace NeuroLab.Formats.Gifti;

/// <summary>How a GIFTI data array's values were stored (the <c>Encoding</c> attribute, spec section 2.3.1).</summary>
public enum GiftiEncoding
{
    /// <summary>Whitespace-separated decimal text.</summary>
    Ascii,

    /// <summary>Base64 of the raw bytes.</summary>
    Base64Binary,

    /// <summary>Base64 of zlib-compressed raw bytes (what nibabel and gifticlib write; gzip and raw deflate are accepted too).</summary>
    GZipBase64Binary,

    /// <summary>Raw bytes in a separate file beside the .gii, at ExternalFileOffset.</summary>
    ExternalFileBinary,
}
