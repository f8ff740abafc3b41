using NeuroLab.Compute.Datasets;
using NeuroLab.Formats.Inspection;

namespace NeuroLab.Compute.Tests.Datasets;

public sealed class InspectionGateTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task RunAsync_ManyAtOnce_NeverMoreThanMaxConcurrent(int slots)
    {
        var gate = new InspectionGate(new InspectionLimits { MemoryBudgetBytes = 1 << 20 }, slots);
        int running = 0, peak = 0;
        var tasks = Enumerable.Range(0, 12).Select(_ => gate.RunAsync(limits =>
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref peak, now);
            Thread.Sleep(20);
            Interlocked.Decrement(ref running);
            return limits.MemoryBudgetBytes;
        })).ToList();

        var budgets = await Task.WhenAll(tasks);

        Assert.All(budgets, b => Assert.Equal(1 << 20, b));
        Assert.InRange(peak, 1, slots);
    }

    [Fact]
    public async Task RunAsync_CancelledWhileWaiting_ReleasesNothingAndThrows()
    {
        var gate = new InspectionGate(InspectionLimits.Default, 1);
        using var hold = new ManualResetEventSlim();
        var first = gate.RunAsync(_ => hold.Wait(TimeSpan.FromSeconds(10)));
        using var cts = new CancellationTokenSource();
        var second = gate.RunAsync(_ => true, cts.Token);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        hold.Set();
        Assert.True(await first);
        Assert.True(await gate.RunAsync(_ => true));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
