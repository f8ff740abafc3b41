using System.Text.Json;
using NeuroLab.Compute.Runs;
using NeuroLab.Data.Serialization;

namespace NeuroLab.Compute.Events.Redis;

/// <summary>
/// Run and workspace events on the wire: UTF-8 JSON (<see cref="NeuroLabJson.Web"/>, the settings SignalR clients get)
/// in an envelope <c>{"origin", "dataType", "event"}</c>. <see cref="WorkspaceEvent.Data"/> is an <c>object</c>: it is
/// written as its runtime type, and <c>dataType</c> names that type. The receiving side turns it back into that type
/// only when the type was registered (<see cref="WorkspaceEventDataTypes"/>: an allow-list, never a type looked up by
/// name), a string always; anything else stays a <see cref="JsonElement"/>, which SignalR sends on unchanged and which
/// pages matching on a type (<c>e.Data is ViewerState</c>) ignore.
/// </summary>
public sealed class RedisEventCodec(WorkspaceEventDataTypes dataTypes)
{
    private sealed record Envelope<T>(string Origin, string? DataType, T Event);

    public byte[] Write(string origin, RunEvent e) =>
        JsonSerializer.SerializeToUtf8Bytes(new Envelope<RunEvent>(origin, null, e), NeuroLabJson.Web);

    public byte[] Write(string origin, WorkspaceEvent e) =>
        JsonSerializer.SerializeToUtf8Bytes(new Envelope<WorkspaceEvent>(origin, e.Data is null ? null : WorkspaceEventDataTypes.NameOf(e.Data.GetType()), e), NeuroLabJson.Web);

    public (string Origin, RunEvent Event) ReadRunEvent(ReadOnlyMemory<byte> json)
    {
        var envelope = JsonSerializer.Deserialize<Envelope<RunEvent>>(json.Span, NeuroLabJson.Web) ?? throw new JsonException("An empty run event message.");
        return (envelope.Origin, envelope.Event ?? throw new JsonException("A run event message without its event."));
    }

    public (string Origin, WorkspaceEvent Event) ReadWorkspaceEvent(ReadOnlyMemory<byte> json)
    {
        var envelope = JsonSerializer.Deserialize<Envelope<WorkspaceEvent>>(json.Span, NeuroLabJson.Web) ?? throw new JsonException("An empty workspace event message.");
        var e = envelope.Event ?? throw new JsonException("A workspace event message without its event.");
        if (e.Data is JsonElement data)
        {
            e = e with { Data = Typed(envelope.DataType, data) };
        }
        return (envelope.Origin, e);
    }

    private object? Typed(string? dataType, JsonElement data) => data.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String when dataType == WorkspaceEventDataTypes.NameOf(typeof(string)) => data.GetString(),
        _ when dataType is not null && dataTypes.Find(dataType) is { } type => data.Deserialize(type, NeuroLabJson.Web),
        _ => data,
    };
}

/// <summary>
/// The types of <see cref="WorkspaceEvent.Data"/> that come back typed when an event crosses processes (see
/// <see cref="RedisEventCodec"/>). The room that publishes a type registers it
/// (<c>services.AddWorkspaceEventData&lt;T&gt;()</c>); unregistered data reaches pages as a <see cref="JsonElement"/>.
/// </summary>
public sealed class WorkspaceEventDataTypes
{
    private readonly Dictionary<string, Type> _types = new(StringComparer.Ordinal);

    public static string NameOf(Type type) => type.FullName ?? type.Name;

    public void Add(Type type) => _types[NameOf(type)] = type;

    public Type? Find(string name) => _types.GetValueOrDefault(name);
}
