namespace NeuroLab.Formats.Gifti;

/// <summary>
/// One entry of a GIFTI <c>LabelTable</c>: an integer key (values of NIFTI_INTENT_LABEL arrays refer to it),
/// its name, and an optional colour with components in [0, 1]. GIFTI 1.0 spec section 2.6; files written
/// before the <c>Key</c> attribute existed use <c>Index</c>, read the same way.
/// </summary>
/// <param name="Key">The label key.</param>
/// <param name="Name">The label text (may be empty).</param>
/// <param name="Red">Red in [0, 1], or null when absent.</param>
/// <param name="Green">Green in [0, 1], or null when absent.</param>
/// <param name="Blue">Blue in [0, 1], or null when absent.</param>
/// <param name="Alpha">Opacity in [0, 1], or null when absent.</param>
public sealed record GiftiLabel(int Key, string Name, float? Red, float? Green, float? Blue, float? Alpha);
