using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NeuroLab.Data;
using NeuroLab.Data.Audit;

namespace NeuroLab.Compute.Events;

/// <summary>
/// Makes the workspace feed live: after a save that added <see cref="AuditEvent"/> rows of the feed
/// (<see cref="ActivityKinds.InFeed"/>), publishes one <see cref="WorkspaceEvent"/> of type <c>activity</c> per row,
/// its Data the <see cref="ActivityItem"/>. Audit-only actions (deletions, tokens) are never published: the workspace
/// group includes Viewers. When the save ran inside a transaction, the events wait for its commit and are dropped on
/// rollback. Registered on the DbContext factory, so every service that writes an audit event is covered without
/// knowing about the bus.
/// </summary>
public sealed class ActivityEventPublisher(IWorkspaceEventBus bus, IServiceProvider services, ILogger<ActivityEventPublisher> logger) : ISaveChangesInterceptor, IDbTransactionInterceptor
{
    /// <summary>Audit rows added in the save under way (ids are assigned once it succeeds), per context.</summary>
    private readonly ConditionalWeakTable<DbContext, List<AuditEvent>> _adding = [];

    /// <summary>Saved rows waiting for their transaction to commit, per context.</summary>
    private readonly ConditionalWeakTable<DbContext, List<AuditEvent>> _uncommitted = [];

    public InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Collect(eventData.Context);
        return result;
    }

    public ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Collect(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        SavedAsync(eventData.Context, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return result;
    }

    public async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        await SavedAsync(eventData.Context, cancellationToken);
        return result;
    }

    public void SaveChangesFailed(DbContextErrorEventData eventData) => Forget(eventData.Context);

    public Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) =>
        CommittedAsync(eventData.Context, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default) =>
        CommittedAsync(eventData.Context, cancellationToken).AsTask();

    // A transaction disposed without commit or rollback calls neither: entries it left are dropped when the context starts the next one.
    public DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        Drop(eventData.Context);
        return result;
    }

    public ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
    {
        Drop(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Drop(eventData.Context);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Drop(eventData.Context);
        return Task.CompletedTask;
    }

    private void Collect(DbContext? context)
    {
        if (context is null)
        {
            return;
        }
        var added = context.ChangeTracker.Entries<AuditEvent>()
            .Where(e => e.State == EntityState.Added && e.Entity.WorkspaceId is not null && ActivityKinds.InFeed(e.Entity.Action))
            .Select(e => e.Entity).ToList();
        if (added.Count > 0)
        {
            _adding.AddOrUpdate(context, added);
        }
    }

    private void Forget(DbContext? context)
    {
        if (context is not null)
        {
            _adding.Remove(context);
        }
    }

    private void Drop(DbContext? context)
    {
        if (context is not null)
        {
            _uncommitted.Remove(context);
        }
    }

    private async ValueTask SavedAsync(DbContext? context, CancellationToken ct)
    {
        if (context is null || !_adding.TryGetValue(context, out var saved))
        {
            return;
        }
        _adding.Remove(context);
        if (context.Database.CurrentTransaction is not null)
        {
            _uncommitted.GetOrCreateValue(context).AddRange(saved);
            return;
        }
        await PublishAsync(saved, ct);
    }

    private async ValueTask CommittedAsync(DbContext? context, CancellationToken ct)
    {
        if (context is null || !_uncommitted.TryGetValue(context, out var saved))
        {
            return;
        }
        _uncommitted.Remove(context);
        await PublishAsync(saved, ct);
    }

    private async Task PublishAsync(List<AuditEvent> saved, CancellationToken ct)
    {
        try
        {
            // The data is committed already; a failure to describe it must not turn the caller's save into an error.
            // A context of its own: the saving one is still inside SaveChanges (and the factory cannot be a
            // constructor dependency, its options hold this interceptor).
            await using var db = await services.GetRequiredService<IDbContextFactory<NeuroLabDbContext>>().CreateDbContextAsync(ct);
            var items = await ActivityService.DescribeAsync(db, saved, ct);
            foreach (var (e, item) in saved.Zip(items))
            {
                bus.Publish(new WorkspaceEvent
                {
                    WorkspaceId = e.WorkspaceId!.Value,
                    Type = "activity",
                    RunId = item.RunId,
                    ActorUserId = item.ActorUserId,
                    Actor = item.Actor,
                    Data = item,
                    AtUtc = item.AtUtc,
                });
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not publish {Count} activity events; the feed shows them on the next load.", saved.Count);
        }
    }
}
