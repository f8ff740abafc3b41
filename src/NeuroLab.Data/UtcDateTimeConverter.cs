using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace NeuroLab.Data;

/// <summary>
/// Stores DateTimes as UTC and reads them back with <see cref="DateTimeKind.Utc"/>: an unspecified kind is taken as
/// UTC (NeuroLab only keeps UTC times), a local time is converted. Used on PostgreSQL (timestamp with time zone).
/// </summary>
public sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
    v => v.Kind == DateTimeKind.Local ? v.ToUniversalTime() : DateTime.SpecifyKind(v, DateTimeKind.Utc),
    v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
