using System.Collections.Concurrent;

namespace NeuroLab.Compute.Runs;

/// <summary>
/// Runs an async job on one dedicated thread: every continuation after an <c>await</c> comes back to that thread
/// through a single-threaded <see cref="SynchronizationContext"/>.
/// </summary>
/// <remarks>
/// TorchSharp's dispose scopes are per thread (<c>DisposeScopeManager</c> is thread-static). A job that opens a scope,
/// awaits, and continues on another pool thread leaves its scope on the first thread's stack, where unrelated work
/// (another run, a dataset import's GLM) then registers — or moves with <c>MoveToOuterDisposeScope</c> — tensors into
/// it, and they are freed when the job ends: a use-after-free that surfaced as a native "Unknown scalar type" in a
/// concurrent test. Keeping the whole job on one thread keeps every scope on the stack it was opened on.
/// </remarks>
public static class JobThread
{
    /// <summary>Runs <paramref name="body"/> on a new thread named <paramref name="name"/> and completes when it does.</summary>
    public static Task RunAsync(string name, Func<Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            var context = new PumpContext();
            var previous = SynchronizationContext.Current;
            SynchronizationContext.SetSynchronizationContext(context);
            try
            {
                var task = body();
                task.ContinueWith(_ => context.Complete(), TaskScheduler.Default);
                context.Pump();
                task.GetAwaiter().GetResult();
                done.SetResult();
            }
            catch (OperationCanceledException e)
            {
                done.TrySetCanceled(e.CancellationToken);
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
            finally
            {
                SynchronizationContext.SetSynchronizationContext(previous);
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return done.Task;
    }

    /// <summary>Queues posted continuations and runs them on the pumping thread until completed.</summary>
    private sealed class PumpContext : SynchronizationContext
    {
        private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = [];

        public override void Post(SendOrPostCallback d, object? state)
        {
            try
            {
                _queue.Add((d, state));
            }
            catch (InvalidOperationException)
            {
                // The job has finished; a late continuation (e.g. of fire-and-forget work) runs on the pool.
                ThreadPool.QueueUserWorkItem(_ => d(state));
            }
        }

        public override void Send(SendOrPostCallback d, object? state) =>
            throw new NotSupportedException("Synchronous Send would deadlock the job thread.");

        public override SynchronizationContext CreateCopy() => this;

        public void Complete() => _queue.CompleteAdding();

        public void Pump()
        {
            foreach (var (callback, state) in _queue.GetConsumingEnumerable())
            {
                callback(state);
            }
        }
    }
}
