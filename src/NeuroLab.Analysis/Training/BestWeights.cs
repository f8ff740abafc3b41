using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Training;

/// <summary>
/// The parameters of a trainer's best epoch so far (early stopping keeps them): detached copies outside any dispose
/// scope, written into and read from checkpoints in parameter order. Shared by <see cref="ReadoutTrainer"/> and
/// <see cref="ImageDecoderTrainer"/>.
/// </summary>
internal sealed class BestWeights : IDisposable
{
    private Tensor[]? _copies;

    /// <summary>Whether an epoch has been kept.</summary>
    public bool Has => _copies is not null;

    /// <summary>Copies <paramref name="parameters"/> (the current weights) as the best ones.</summary>
    public void Keep(IEnumerable<Parameter> parameters)
    {
        using var noGrad = no_grad();
        var current = parameters.ToArray();
        if (_copies is null)
        {
            _copies = [.. current.Select(p => p.detach().clone().DetachFromDisposeScope())];
            return;
        }
        for (int i = 0; i < current.Length; i++)
        {
            _copies[i].copy_(current[i]);
        }
    }

    /// <summary>Copies the kept weights into <paramref name="parameters"/> (of a module of the same shapes).</summary>
    public void CopyTo(IEnumerable<Parameter> parameters)
    {
        var copies = _copies ?? throw new InvalidOperationException("No epoch has been kept.");
        using var noGrad = no_grad();
        var target = parameters.ToArray();
        for (int i = 0; i < target.Length; i++)
        {
            target[i].copy_(copies[i]);
        }
    }

    /// <summary>Writes whether weights are kept, then each copy.</summary>
    public void Save(BinaryWriter writer)
    {
        writer.Write(Has);
        foreach (var t in _copies ?? [])
        {
            t.Save(writer);
        }
    }

    /// <summary>Reads what <see cref="Save"/> wrote, shaped like <paramref name="parameters"/>; null when none were kept. Not kept yet: pass them to <see cref="Replace"/>.</summary>
    public static Tensor[]? Read(BinaryReader reader, IEnumerable<Parameter> parameters)
    {
        if (!reader.ReadBoolean())
        {
            return null;
        }
        Tensor[] copies = [.. parameters.Select(p => zeros_like(p).DetachFromDisposeScope())];
        foreach (var t in copies)
        {
            t.Load(reader);
        }
        return copies;
    }

    /// <summary>Takes <paramref name="copies"/> (from <see cref="Read"/>) as the kept weights, disposing the previous ones.</summary>
    public void Replace(Tensor[]? copies)
    {
        Dispose();
        _copies = copies;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _copies ?? [])
        {
            t.Dispose();
        }
        _copies = null;
    }
}
