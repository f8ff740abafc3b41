using NeuroLab.Compute.Runs;
using static TorchSharp.torch;

namespace NeuroLab.Compute.Tests.Runs;

public sealed class JobThreadTests
{
    [Fact]
    public async Task Continuations_ComeBackToTheJobThread_SoDisposeScopesStayOnTheirThread()
    {
        var threads = new List<int>();
        Tensor? kept = null;
        await JobThread.RunAsync("test job", async () =>
        {
            using var scope = NewDisposeScope();
            threads.Add(Environment.CurrentManagedThreadId);
            var a = ones(3);
            await Task.Delay(10);
            threads.Add(Environment.CurrentManagedThreadId);
            await Task.Run(() => Thread.Sleep(5));
            threads.Add(Environment.CurrentManagedThreadId);
            await Task.Yield();
            threads.Add(Environment.CurrentManagedThreadId);
            kept = (a * 2).MoveToOuterDisposeScope();
        });
        Assert.Single(threads.Distinct());
        Assert.NotEqual(Environment.CurrentManagedThreadId, threads[0]);
        // Nothing leaked onto this (test) thread's scope stack, and the moved-out tensor is alive.
        Assert.Equal([2f, 2f, 2f], kept!.data<float>().ToArray());
        kept.Dispose();
    }

    [Fact]
    public async Task Failures_AndCancellation_ReachTheCaller()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => JobThread.RunAsync("failing", async () =>
        {
            await Task.Yield();
            throw new InvalidOperationException("boom");
        }));
        Assert.Equal("boom", e.Message);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => JobThread.RunAsync("cancelled", () => Task.Delay(1000, cts.Token)));
    }
}
