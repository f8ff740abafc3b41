using Microsoft.EntityFrameworkCore;

namespace NeuroLab.Data;

/// <summary>
/// Row locks for check-then-write transactions. SQLite (one writer; Microsoft.Data.Sqlite begins transactions
/// IMMEDIATE) needs none; PostgreSQL runs transactions side by side under READ COMMITTED, so a transaction that checks
/// a rule and then writes first locks the row that every competing writer also locks or updates (FOR UPDATE).
/// Call inside a transaction: the lock lasts until it commits or rolls back.
/// </summary>
public static class RowLocks
{
    /// <summary>Locks a run's row (lease writes against take-overs, which update the row).</summary>
    public static Task LockRunAsync(NeuroLabDbContext db, Guid runId, CancellationToken ct) =>
        IsServer(db) ? db.Database.ExecuteSqlAsync($"SELECT 1 FROM \"Runs\" WHERE \"Id\" = {runId} FOR UPDATE", ct) : Task.CompletedTask;

    /// <summary>Locks a workspace's row (membership changes that must keep an Owner).</summary>
    public static Task LockWorkspaceAsync(NeuroLabDbContext db, Guid workspaceId, CancellationToken ct) =>
        IsServer(db) ? db.Database.ExecuteSqlAsync($"SELECT 1 FROM \"Workspaces\" WHERE \"Id\" = {workspaceId} FOR UPDATE", ct) : Task.CompletedTask;

    private static bool IsServer(NeuroLabDbContext db) => db.Database.ProviderName == NeuroLabDbContext.PostgreSqlProviderName;
}
