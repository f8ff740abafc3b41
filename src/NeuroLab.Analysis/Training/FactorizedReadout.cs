using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace NeuroLab.Analysis.Training;

/// <summary>The output nonlinearity <c>f</c> of a <see cref="FactorizedReadout"/>.</summary>
public enum ReadoutNonlinearity
{
    /// <summary><c>f(z) = z</c>: unbounded responses (z-scored voxels, dF/F), with the mean squared error loss.</summary>
    Identity,

    /// <summary><c>f(z) = ELU(z) + 1</c>, positive and smooth (the firing-rate output of Sinz et al. 2018); suits the Poisson loss.</summary>
    EluPlusOne,

    /// <summary><c>f(z) = log(1 + e^z)</c>, positive; suits the Poisson loss.</summary>
    Softplus,
}

/// <summary>
/// The factorized readout of Klindt et al. (2017, "Neural system identification for large populations separating
/// what and where", NeurIPS): each unit reads a feature map through one spatial mask and one feature vector.
/// </summary>
/// <remarks>
/// <para>For feature maps <c>x [n, c, h, w]</c> the response of unit <c>u</c> to sample <c>i</c> is</para>
/// <para><c>r[i, u] = f( Σ_k Σ_y Σ_x  x[i, k, y, x] · M[u, y, x] · W[u, k]  +  b[u] )</c></para>
/// <para>with the spatial mask <c>M [units, h, w]</c> ("where"), the feature weights <c>W [units, c]</c> ("what"), the bias
/// <c>b [units]</c> and the output nonlinearity <c>f</c> (<see cref="ReadoutNonlinearity"/>). The mask and the feature
/// weights are plain (signed) weights; sparsity comes from the L1 penalties of the trainer
/// (<see cref="ReadoutTrainingOptions.MaskL1"/>, <see cref="ReadoutTrainingOptions.FeatureL1"/>). The product
/// <c>M[u] ⊗ W[u]</c> is a rank-one <c>c x h x w</c> weight per unit, so a unit costs <c>h·w + c + 1</c> parameters instead of
/// <c>c·h·w + 1</c>; the scale is shared between M and W (only their product is identified).</para>
/// <para>Computed as <c>(x.view(n, c, h·w) @ M.view(units, h·w)ᵀ) [n, c, units]</c>, times <c>Wᵀ [c, units]</c>, summed
/// over c. Parameters are float32 and registered as <c>mask</c>, <c>features</c> and <c>bias</c> (the names in
/// <c>state_dict()</c> and in saved files).</para>
/// </remarks>
public sealed class FactorizedReadout : nn.Module<Tensor, Tensor>
{
    private readonly Parameter _mask;
    private readonly Parameter _features;
    private readonly Parameter _bias;

    /// <summary>Creates a readout with seeded random weights: mask and features N(0, 1) scaled by
    /// <c>1/sqrt(h·w)</c> and <c>1/sqrt(c)</c> (so a unit's drive has roughly the spread of one input value), bias 0.</summary>
    /// <param name="channels">Feature channels c of the input maps.</param>
    /// <param name="height">Height h of the input maps.</param>
    /// <param name="width">Width w of the input maps.</param>
    /// <param name="units">Neurons or voxels predicted.</param>
    /// <param name="nonlinearity">Output nonlinearity.</param>
    /// <param name="seed">Seed of the initial weights (SplitMix64 Gaussians, identical on every platform).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1.</exception>
    public FactorizedReadout(int channels, int height, int width, int units, ReadoutNonlinearity nonlinearity = ReadoutNonlinearity.Identity, ulong seed = 0)
        : base(nameof(FactorizedReadout))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(units, 1);
        if (!Enum.IsDefined(nonlinearity))
        {
            throw new ArgumentException($"Unknown output nonlinearity {nonlinearity}.", nameof(nonlinearity));
        }
        Channels = channels;
        Height = height;
        Width = width;
        Units = units;
        Nonlinearity = nonlinearity;

        var random = new Encoding.SplitMix64(seed);
        _mask = new Parameter(tensor(Gaussians(random, units * height * width, 1 / Math.Sqrt(height * width)), [units, height, width]));
        _features = new Parameter(tensor(Gaussians(random, units * channels, 1 / Math.Sqrt(channels)), [units, channels]));
        _bias = new Parameter(zeros(units, ScalarType.Float32));
        // The module owns its parameters: a dispose scope around the constructor must not free them.
        _mask.DetachFromDisposeScope();
        _features.DetachFromDisposeScope();
        _bias.DetachFromDisposeScope();
        // Registered by name rather than by RegisterComponents(), which would take the field names (_mask, ...).
        register_parameter("mask", _mask);
        register_parameter("features", _features);
        register_parameter("bias", _bias);
    }

    /// <summary>Feature channels c of the input.</summary>
    public int Channels { get; }

    /// <summary>Height h of the input maps.</summary>
    public int Height { get; }

    /// <summary>Width w of the input maps.</summary>
    public int Width { get; }

    /// <summary>Units (neurons, voxels) in the output.</summary>
    public int Units { get; }

    /// <summary>Output nonlinearity f.</summary>
    public ReadoutNonlinearity Nonlinearity { get; }

    /// <summary>Spatial masks M, float32 <c>[units, h, w]</c> (the live parameter).</summary>
    public Parameter Mask => _mask;

    /// <summary>Feature weights W, float32 <c>[units, c]</c> (the live parameter).</summary>
    public Parameter Features => _features;

    /// <summary>Biases b, float32 <c>[units]</c> (the live parameter).</summary>
    public Parameter Bias => _bias;

    /// <summary>Predicted responses <c>[n, units]</c> for float32 feature maps <c>[n, c, h, w]</c> (see the remarks of the type).</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        long n = input.shape[0];
        var pooled = input.reshape(n, Channels, Height * Width).matmul(_mask.view(Units, Height * Width).t());
        var drive = (pooled * _features.t()).sum(dim: 1L) + _bias;
        return Apply(drive).MoveToOuterDisposeScope();
    }

    /// <summary>The L1 norms the trainer penalises: <c>Σ|M|</c> and <c>Σ|W|</c> averaged over units (scalars with gradients).</summary>
    public (Tensor Mask, Tensor Features) L1PerUnit() =>
        (_mask.abs().sum() / Units, _features.abs().sum() / Units);

    /// <summary>The inverse of the output nonlinearity at a response level, used to start the bias at the mean response.</summary>
    internal double InverseNonlinearity(double response) => Nonlinearity switch
    {
        ReadoutNonlinearity.Identity => response,
        // ELU(z) + 1 = r: z = r - 1 above 1, log(r) below.
        ReadoutNonlinearity.EluPlusOne => response >= 1 ? response - 1 : Math.Log(Math.Max(response, 1e-6)),
        // softplus(z) = r: z = log(e^r - 1) = r + log(1 - e^-r), written so large r does not overflow.
        _ => Math.Max(response, 1e-6) + Math.Log(1 - Math.Exp(-Math.Max(response, 1e-6))),
    };

    private Tensor Apply(Tensor drive) => Nonlinearity switch
    {
        ReadoutNonlinearity.Identity => drive,
        ReadoutNonlinearity.EluPlusOne => elu(drive, 1.0, false) + 1,
        _ => softplus(drive),
    };

    private static float[] Gaussians(Encoding.SplitMix64 random, int count, double scale)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)(random.NextGaussian() * scale);
        }
        return values;
    }
}
