using static TorchSharp.torch;

namespace NeuroLab.Analysis.Tests.Training;

/// <summary>Synthetic feature maps and responses from a known factorized readout (Klindt et al. 2017 form).</summary>
internal sealed class ReadoutProblem : IDisposable
{
    public const int Channels = 6;
    public const int Side = 8;

    private ReadoutProblem(Tensor[] parts) => _parts = parts;

    private readonly Tensor[] _parts;

    public Tensor TrainX => _parts[0];

    public Tensor TrainY => _parts[1];

    public Tensor ValX => _parts[2];

    public Tensor ValY => _parts[3];

    public Tensor TestX => _parts[4];

    public Tensor TestY => _parts[5];

    /// <summary>
    /// Gaussian white feature maps; each unit has a Gaussian-bump mask (sd 1.2 pixels at a random centre) and N(0, 1)
    /// feature weights; y = drive + 0.5 + noise with noise sd <paramref name="noiseFraction"/> x sd(drive). With
    /// <paramref name="unrelated"/> the responses are pure noise, independent of the maps.
    /// </summary>
    public static ReadoutProblem Create(int units, int train, int validation, int test, int seed, double noiseFraction = 0.1, bool unrelated = false)
    {
        var random = new Random(seed);
        var masks = new float[units, Side, Side];
        var features = new float[units, Channels];
        for (int u = 0; u < units; u++)
        {
            double cy = 1.5 + (random.NextDouble() * (Side - 3));
            double cx = 1.5 + (random.NextDouble() * (Side - 3));
            for (int y = 0; y < Side; y++)
            {
                for (int x = 0; x < Side; x++)
                {
                    masks[u, y, x] = (float)Math.Exp(-(((y - cy) * (y - cy)) + ((x - cx) * (x - cx))) / (2 * 1.2 * 1.2));
                }
            }
            for (int c = 0; c < Channels; c++)
            {
                features[u, c] = (float)Gaussian(random);
            }
        }
        using var m = tensor(masks);
        using var w = tensor(features);
        Tensor[] parts = new Tensor[6];
        int[] sizes = [train, validation, test];
        for (int s = 0; s < 3; s++)
        {
            using var scope = NewDisposeScope();
            int n = sizes[s];
            var x = tensor(Gaussians(random, n * Channels * Side * Side), [n, Channels, Side, Side]);
            var drive = x.reshape(n, Channels, Side * Side).matmul(m.view(units, Side * Side).t()).mul(w.t()).sum(dim: 1L);
            double sd = drive.std().item<float>();
            var noise = tensor(Gaussians(random, n * units), [n, units]) * (float)(noiseFraction * sd);
            var y = unrelated ? tensor(Gaussians(random, n * units), [n, units]) : drive + 0.5f + noise;
            parts[2 * s] = x.MoveToOuterDisposeScope();
            parts[(2 * s) + 1] = y.MoveToOuterDisposeScope();
        }
        return new ReadoutProblem(parts);
    }

    public void Dispose()
    {
        foreach (var t in _parts)
        {
            t.Dispose();
        }
    }

    private static float[] Gaussians(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)Gaussian(random);
        }
        return values;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
