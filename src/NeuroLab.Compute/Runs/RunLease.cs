using System.Security.Cryptography;
using NeuroLab.Data.Runs;

namespace NeuroLab.Compute.Runs;

/// <summary>
/// One host's hold on one attempt of a run: the row names the host (<see cref="Run.LeaseOwner"/>) and the attempt
/// number is the epoch. Every write a job makes is conditioned on both, so a host that lost the run (its lease expired
/// and another host took the run over, or the run was re-queued) can never overwrite what the new owner writes.
/// </summary>
internal sealed class RunLease(Guid runId, string owner, int attempt)
{
    /// <summary>Longest host id stored in <see cref="Run.LeaseOwner"/>.</summary>
    public const int MaxOwnerLength = 128;

    private volatile bool _lost;

    public Guid RunId => runId;

    public string Owner => owner;

    public int Attempt => attempt;

    /// <summary>True once a write or a renewal found the run no longer held by this host's attempt.</summary>
    public bool Lost => _lost;

    /// <summary>A host id unique to this process: machine name, process id and a random suffix.</summary>
    public static string NewHostId()
    {
        var id = $"{Environment.MachineName}:{Environment.ProcessId}:{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        return id.Length <= MaxOwnerLength ? id : id[^MaxOwnerLength..];
    }

    /// <summary>The run's row while this lease still holds it (empty otherwise).</summary>
    public IQueryable<Run> Held(IQueryable<Run> runs) => runs.Where(r => r.Id == runId && r.LeaseOwner == owner && r.Attempt == attempt);

    /// <summary>Records that the lease is gone and returns the exception that stops the job's further writes.</summary>
    public RunLeaseLostException MarkLost()
    {
        _lost = true;
        return new RunLeaseLostException(runId, owner);
    }
}

/// <summary>The host no longer holds the run; nothing it computes from here on is recorded.</summary>
internal sealed class RunLeaseLostException(Guid runId, string owner)
    : Exception($"Host {owner} no longer holds run {runId}; another host took it over or it was queued again.");
