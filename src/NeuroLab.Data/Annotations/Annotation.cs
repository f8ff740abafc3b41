namespace NeuroLab.Data.Annotations;

/// <summary>
/// A comment pinned to something in a workspace: a thread's first comment (<see cref="ParentId"/> null) or a reply.
/// The target is stored three ways: <see cref="TargetJson"/> as the client gave it (normalised), <see cref="TargetKey"/>
/// as one comparable string (<c>unit:{run:N}:{index}</c>, <c>point:mni152:-42.0:-58.0:-14.0:0.0</c>, ...) to find every
/// comment on one thing, and the run/dataset it belongs to, so deleting those deletes their discussion.
/// </summary>
public sealed class Annotation
{
    public const int MaxBodyLength = 10_000;

    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid WorkspaceId { get; set; }

    /// <summary>The thread's first comment, for replies; null for a thread.</summary>
    public Guid? ParentId { get; set; }

    /// <summary>The target's kind: run, unit, point, region, caption, stimulus, reconstruction, rdmCell.</summary>
    public required string TargetKind { get; set; }

    public required string TargetKey { get; set; }

    public required string TargetJson { get; set; }

    public Guid? RunId { get; set; }

    public Guid? DatasetId { get; set; }

    public required string AuthorUserId { get; set; }

    /// <summary>Markdown as the author wrote it.</summary>
    public required string Body { get; set; }

    public DateTime CreatedAtUtc { get; set; }

    public DateTime? EditedAtUtc { get; set; }

    /// <summary>Threads only: resolved by someone (null while open).</summary>
    public DateTime? ResolvedAtUtc { get; set; }

    public string? ResolvedByUserId { get; set; }

    public List<AnnotationRevision> Revisions { get; } = [];

    public List<AnnotationMention> Mentions { get; } = [];
}

/// <summary>An earlier body of an edited comment (the edit history).</summary>
public sealed class AnnotationRevision
{
    public long Id { get; set; }

    public Guid AnnotationId { get; set; }

    /// <summary>The body before the edit.</summary>
    public required string Body { get; set; }

    /// <summary>When that body was first written (creation or the previous edit).</summary>
    public DateTime WrittenAtUtc { get; set; }

    /// <summary>When it was replaced.</summary>
    public DateTime ReplacedAtUtc { get; set; }
}

/// <summary>A workspace member @mentioned in a comment: an inbox entry, unread until they open it.</summary>
public sealed class AnnotationMention
{
    public long Id { get; set; }

    public Guid AnnotationId { get; set; }

    public Guid WorkspaceId { get; set; }

    public required string UserId { get; set; }

    public DateTime CreatedAtUtc { get; set; }

    public DateTime? ReadAtUtc { get; set; }
}
