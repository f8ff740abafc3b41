using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace NeuroLab.Data.Serialization;

/// <summary>
/// The one set of JSON settings for what NeuroLab writes: REST responses, SignalR messages, JSON stored in the
/// database (run summaries and progress, inspection documents, file geometry) and JSON artifacts (captions.json).
/// Statistics can be undefined — Fleiss' kappa with no caption reviewed twice, Cohen's kappa at chance agreement
/// p_e = 1, the correlation of a constant unit — and System.Text.Json refuses NaN and infinities by default, so
/// every <c>double</c>/<c>float</c> (and <c>double?</c>, arrays, dictionary values through the element converter)
/// goes through <see cref="NonFiniteAsNullDoubleConverter"/>/<see cref="NonFiniteAsNullSingleConverter"/>:
/// NaN, +Infinity and -Infinity are written as JSON <c>null</c> (documented in docs/api/run-events.md), and
/// <c>null</c> read back into a non-nullable number gives NaN. Older stored JSON that spelled them as the strings
/// "NaN", "Infinity" and "-Infinity" still reads.
/// </summary>
public static class NeuroLabJson
{
    /// <summary>camelCase web defaults with the non-finite converters (read-only; use <see cref="Create"/> to extend).</summary>
    public static JsonSerializerOptions Web { get; } = CreateReadOnly();

    /// <summary>A fresh, writable copy of <see cref="Web"/>.</summary>
    public static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        AddNonFiniteConverters(options);
        return options;
    }

    /// <summary>Adds the non-finite converters to options owned by a framework (HTTP JSON, the SignalR protocol).</summary>
    public static void AddNonFiniteConverters(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Converters.Add(new NonFiniteAsNullDoubleConverter());
        options.Converters.Add(new NonFiniteAsNullSingleConverter());
    }

    private static JsonSerializerOptions CreateReadOnly()
    {
        var options = Create();
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>The value of a string token for a floating-point number: the legacy named literals, or a number when the options read numbers from strings.</summary>
    internal static double ParseString(ref Utf8JsonReader reader, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        switch (text)
        {
            case "NaN":
                return double.NaN;
            case "Infinity":
                return double.PositiveInfinity;
            case "-Infinity":
                return double.NegativeInfinity;
        }
        if ((options.NumberHandling & JsonNumberHandling.AllowReadingFromString) != 0
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }
        throw new JsonException($"'{(text is { Length: > 40 } ? text[..40] + "..." : text)}' is not a number.");
    }
}

/// <summary><c>double</c>: NaN and infinities written as <c>null</c>; <c>null</c> read as NaN (see <see cref="NeuroLabJson"/>).</summary>
public sealed class NonFiniteAsNullDoubleConverter : JsonConverter<double>
{
    public override bool HandleNull => true;

    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Null => double.NaN,
        JsonTokenType.Number => reader.GetDouble(),
        JsonTokenType.String => NeuroLabJson.ParseString(ref reader, options),
        _ => throw new JsonException($"Expected a number or null, got {reader.TokenType}."),
    };

    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}

/// <summary><c>float</c>: NaN and infinities written as <c>null</c>; <c>null</c> read as NaN (see <see cref="NeuroLabJson"/>).</summary>
public sealed class NonFiniteAsNullSingleConverter : JsonConverter<float>
{
    public override bool HandleNull => true;

    public override float Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Null => float.NaN,
        JsonTokenType.Number => reader.GetSingle(),
        JsonTokenType.String => (float)NeuroLabJson.ParseString(ref reader, options),
        _ => throw new JsonException($"Expected a number or null, got {reader.TokenType}."),
    };

    public override void Write(Utf8JsonWriter writer, float value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (float.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
