using System.Diagnostics;
using System.Threading.Channels;

namespace NeuroLab.Compute.Features.ResNet18;

/// <summary>
/// One pass of a set of images through <see cref="ResNet18Model"/>: images are decoded and resized by parallel readers
/// while the network runs (a bounded channel between them, so at most a few batches wait in memory), the network takes
/// batches of <see cref="BatchSize"/>, and every requested stage's output is average-pooled per image
/// (<see cref="ResNet18FeatureSpace.AveragePool"/>) as it comes out. The feature spaces and the benchmark share it.
/// </summary>
public static class ResNet18Extraction
{
    /// <summary>Images per network run.</summary>
    public const int BatchSize = 16;

    /// <summary>A stage to pool and the cells per side of its grid.</summary>
    public sealed record Output(ResNet18Stage Stage, int Grid)
    {
        /// <summary>Features per image: channels x grid x grid.</summary>
        public int Width => Stage.Channels * Grid * Grid;
    }

    /// <summary>The pooled matrices, one per <see cref="Output"/> (float32 [images, width] row-major), and where the time went.</summary>
    /// <param name="Matrices">Per output, [images, width].</param>
    /// <param name="Network">Time in the network runs (preprocessing included).</param>
    /// <param name="Pooling">Per output, time spent pooling it.</param>
    /// <param name="Reading">Time the readers spent decoding and resizing, summed over readers (they run alongside the network).</param>
    public sealed record Result(IReadOnlyList<float[]> Matrices, TimeSpan Network, IReadOnlyList<TimeSpan> Pooling, TimeSpan Reading);

    /// <summary>Runs <paramref name="count"/> images through the network once and pools every output.</summary>
    /// <param name="model">The network.</param>
    /// <param name="count">Images.</param>
    /// <param name="readInput">Reads image i as <see cref="ResNet18Model.ReadInput"/> does; called from several threads at once.</param>
    /// <param name="outputs">The stages to pool, each with its grid.</param>
    /// <param name="progress">Receives the number of images done after each batch.</param>
    /// <param name="ct">Stops reading and running between images and batches.</param>
    /// <param name="batchSize">Images per network run.</param>
    /// <param name="readers">Images decoded at once (default: half the cores, at least one).</param>
    public static async Task<Result> RunAsync(ResNet18Model model, int count, Func<int, CancellationToken, ValueTask<float[]>> readInput,
        IReadOnlyList<Output> outputs, IProgress<int>? progress, CancellationToken ct, int batchSize = BatchSize, int? readers = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(readInput);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ct.ThrowIfCancellationRequested();
        var matrices = outputs.Select(o => new float[checked(count * o.Width)]).ToArray();
        var pooling = new TimeSpan[outputs.Count];
        var network = TimeSpan.Zero;
        long readingTicks = 0;
        var stages = outputs.Select(o => o.Stage).ToArray();

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var channel = Channel.CreateBounded<(int Index, float[] Pixels)>(new BoundedChannelOptions(2 * batchSize) { SingleReader = true });
        var producer = Task.Run(async () =>
        {
            try
            {
                var options = new ParallelOptions { MaxDegreeOfParallelism = readers ?? Math.Max(1, Environment.ProcessorCount / 2), CancellationToken = stop.Token };
                await Parallel.ForEachAsync(Enumerable.Range(0, count), options, async (i, token) =>
                {
                    long start = Stopwatch.GetTimestamp();
                    var pixels = await readInput(i, token);
                    Interlocked.Add(ref readingTicks, Stopwatch.GetElapsedTime(start).Ticks);
                    await channel.Writer.WriteAsync((i, pixels), token);
                });
                channel.Writer.Complete();
            }
            catch (Exception e)
            {
                channel.Writer.Complete(e);
            }
        }, CancellationToken.None);

        try
        {
            var batch = new float[batchSize * ResNet18Model.InputLength];
            var indices = new int[batchSize];
            int done = 0;
            while (true)
            {
                int n = 0;
                while (n < batchSize && await channel.Reader.WaitToReadAsync(stop.Token))
                {
                    while (n < batchSize && channel.Reader.TryRead(out var item))
                    {
                        item.Pixels.CopyTo(batch, n * ResNet18Model.InputLength);
                        indices[n++] = item.Index;
                    }
                }
                if (n == 0)
                {
                    break;
                }
                stop.Token.ThrowIfCancellationRequested();
                long start = Stopwatch.GetTimestamp();
                var poolingTicks = new long[outputs.Count];
                model.RunBatch(batch, n, stages, (o, values) =>
                {
                    long poolStart = Stopwatch.GetTimestamp();
                    var (stage, grid) = (outputs[o].Stage, outputs[o].Grid);
                    int size = stage.Channels * stage.Side * stage.Side, width = outputs[o].Width;
                    for (int b = 0; b < n; b++)
                    {
                        ResNet18FeatureSpace.AveragePool(values.Slice(b * size, size), stage.Channels, stage.Side, grid, matrices[o].AsSpan(checked(indices[b] * width), width));
                    }
                    poolingTicks[o] = Stopwatch.GetElapsedTime(poolStart).Ticks;
                });
                var pooled = TimeSpan.FromTicks(poolingTicks.Sum());
                network += Stopwatch.GetElapsedTime(start) - pooled;
                for (int o = 0; o < outputs.Count; o++)
                {
                    pooling[o] += TimeSpan.FromTicks(poolingTicks[o]);
                }
                done += n;
                progress?.Report(done);
            }
            if (done != count)
            {
                throw new InvalidOperationException($"ResNet-18 extraction ended after {done} of {count} images.");
            }
        }
        catch (ChannelClosedException e) when (e.InnerException is { } inner)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(inner);
        }
        finally
        {
            await stop.CancelAsync();
            await producer;
        }
        return new Result(matrices, network, pooling, TimeSpan.FromTicks(readingTicks));
    }
}
