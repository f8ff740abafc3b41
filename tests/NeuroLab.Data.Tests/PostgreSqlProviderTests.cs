using Microsoft.EntityFrameworkCore;
using NeuroLab.Data.Audit;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Extensions;
using NeuroLab.Data.Runs;
using NeuroLab.Data.Workspaces;
using Npgsql;

namespace NeuroLab.Data.Tests;

/// <summary>What differs on PostgreSQL (docs/decisions/020): UTC times and the row lock of check-then-write transactions.</summary>
public sealed class PostgreSqlProviderTests : IDisposable
{
    private readonly PostgresTestDatabase? _database;
    private readonly DbContextOptions<NeuroLabDbContext>? _options;

    public PostgreSqlProviderTests()
    {
        if (TestServers.Postgres is null)
        {
            return;
        }
        _database = PostgresTestDatabase.Create();
        var builder = new DbContextOptionsBuilder<NeuroLabDbContext>();
        new DatabaseSettings(DatabaseProvider.PostgreSql, _database.ConnectionString).Apply(builder);
        _options = builder.Options;
    }

    [PostgresFact]
    public async Task DateTime_UnspecifiedOrUtcKind_ReadBackAsSameUtcInstant()
    {
        var utc = new DateTime(2026, 12, 7, 13, 14, 15, DateTimeKind.Utc).AddTicks(1230);
        var unspecified = DateTime.SpecifyKind(utc.AddHours(1), DateTimeKind.Unspecified);
        await using (var db = Context())
        {
            db.AuditEvents.Add(new AuditEvent { ActorUserId = "a", Action = "utc", AtUtc = utc });
            db.AuditEvents.Add(new AuditEvent { ActorUserId = "a", Action = "unspecified", AtUtc = unspecified });
            await db.SaveChangesAsync(CancellationToken.None);
        }
        await using (var db = Context())
        {
            var read = await db.AuditEvents.OrderBy(e => e.AtUtc).ToListAsync(CancellationToken.None);
            Assert.Equal(["utc", "unspecified"], read.Select(e => e.Action));
            Assert.All(read, e => Assert.Equal(DateTimeKind.Utc, e.AtUtc.Kind));
            Assert.Equal(utc, read[0].AtUtc);
            Assert.Equal(unspecified.Ticks, read[1].AtUtc.Ticks);
            // Query parameters of any kind compare as UTC too.
            Assert.Equal(1, await db.AuditEvents.CountAsync(e => e.AtUtc > DateTime.SpecifyKind(utc, DateTimeKind.Unspecified), CancellationToken.None));
        }
    }

    [PostgresFact]
    public async Task LockRun_InTransaction_TakeOverWaitsForCommit()
    {
        var ct = CancellationToken.None;
        var runId = await AddRunAsync("host-a", attempt: 1);

        // Host A: the lease write's transaction locks the row, then checks its lease.
        await using var a = Context();
        await using var transaction = await a.Database.BeginTransactionAsync(ct);
        await RowLocks.LockRunAsync(a, runId, ct);
        Assert.True(await a.Runs.AnyAsync(r => r.Id == runId && r.LeaseOwner == "host-a" && r.Attempt == 1, ct));

        // Host B takes the run over (the claim's conditional update): it must wait for A's transaction.
        await using var b = Context();
        var takeOver = b.Runs.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.LeaseOwner, "host-b").SetProperty(r => r.Attempt, r => r.Attempt + 1), ct);
        await WaitUntilBlockedOnLockAsync(ct);
        Assert.False(takeOver.IsCompleted);

        // A's write, still under its checked lease, commits before B's update applies.
        a.RunLog.Add(new RunLogEntry { RunId = runId, Level = "info", Message = "written under the lease" });
        await a.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        Assert.Equal(1, await takeOver);

        await using var check = Context();
        var run = await check.Runs.SingleAsync(r => r.Id == runId, ct);
        Assert.Equal(("host-b", 2), (run.LeaseOwner, run.Attempt));
        Assert.Equal(1, await check.RunLog.CountAsync(l => l.RunId == runId, ct));
    }

    [PostgresFact]
    public async Task LockWorkspace_TwoTransactions_SecondWaitsForFirst()
    {
        var ct = CancellationToken.None;
        var runId = await AddRunAsync("host-a", attempt: 1);
        Guid workspaceId;
        await using (var db = Context())
        {
            workspaceId = await db.Runs.Where(r => r.Id == runId).Select(r => r.WorkspaceId).SingleAsync(ct);
        }
        await using var first = Context();
        await using var firstTransaction = await first.Database.BeginTransactionAsync(ct);
        await RowLocks.LockWorkspaceAsync(first, workspaceId, ct);

        await using var second = Context();
        var secondTransaction = await second.Database.BeginTransactionAsync(ct);
        var secondLock = RowLocks.LockWorkspaceAsync(second, workspaceId, ct);
        await WaitUntilBlockedOnLockAsync(ct);
        Assert.False(secondLock.IsCompleted);
        await firstTransaction.CommitAsync(ct);
        await secondLock;
        await secondTransaction.CommitAsync(ct);
        await secondTransaction.DisposeAsync();
    }

    public void Dispose() => _database?.Dispose();

    private NeuroLabDbContext Context() => new(_options ?? throw new InvalidOperationException("No PostgreSQL server."));

    private async Task<Guid> AddRunAsync(string owner, int attempt)
    {
        await using var db = Context();
        var workspace = new Workspace { Name = "w" };
        var dataset = new Dataset { WorkspaceId = workspace.Id, Name = "d", CreatedByUserId = "u" };
        var run = new Run
        {
            WorkspaceId = workspace.Id, DatasetId = dataset.Id, Kind = "toy", ParametersJson = "{}", DatasetChecksum = "x", CreatedByUserId = "u",
            Status = RunStatus.Running, LeaseOwner = owner, Attempt = attempt, LeaseExpiresAtUtc = DateTime.UtcNow.AddMinutes(1),
        };
        db.AddRange(workspace, dataset, run);
        await db.SaveChangesAsync(CancellationToken.None);
        return run.Id;
    }

    /// <summary>Waits (condition, not time) until the other connection's backend waits on a lock.</summary>
    private async Task WaitUntilBlockedOnLockAsync(CancellationToken ct)
    {
        var name = new NpgsqlConnectionStringBuilder(_database!.ConnectionString).Database;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        await using var probe = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_database.ConnectionString) { Pooling = false }.ConnectionString);
        await probe.OpenAsync(deadline.Token);
        while (true)
        {
            await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = @db AND wait_event_type = 'Lock'", probe);
            command.Parameters.AddWithValue("db", name!);
            if ((long)(await command.ExecuteScalarAsync(deadline.Token))! > 0)
            {
                return;
            }
            await Task.Delay(20, deadline.Token);
        }
    }
}
