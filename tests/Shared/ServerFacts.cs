using Xunit;

namespace NeuroLab.Tests.Shared;

/// <summary>
/// Addresses of real servers the scale-out tests talk to on loopback, from environment variables that `.ci/run` sets
/// after starting the servers: <c>NEUROLAB_TEST_POSTGRES</c> (an Npgsql connection string to a server where tests may
/// create databases), <c>NEUROLAB_TEST_REDIS</c> (host:port) and <c>NEUROLAB_TEST_S3</c> (http://127.0.0.1:port of an
/// S3-compatible store). A test that needs one is skipped, saying which variable to set, when it is unset.
/// </summary>
public static class TestServers
{
    public static string? Postgres => Read("NEUROLAB_TEST_POSTGRES");

    public static string? Redis => Read("NEUROLAB_TEST_REDIS");

    public static string? S3 => Read("NEUROLAB_TEST_S3");

    private static string? Read(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}

/// <summary>A fact that needs a PostgreSQL server (<c>NEUROLAB_TEST_POSTGRES</c>); skipped without one.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (TestServers.Postgres is null)
        {
            Skip = "Needs a PostgreSQL server: set NEUROLAB_TEST_POSTGRES (.ci/run starts one on loopback).";
        }
    }
}

/// <summary>A fact that needs a Redis server (<c>NEUROLAB_TEST_REDIS</c>); skipped without one.</summary>
public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute()
    {
        if (TestServers.Redis is null)
        {
            Skip = "Needs a Redis server: set NEUROLAB_TEST_REDIS (.ci/run starts one on loopback).";
        }
    }
}

/// <summary>A fact that needs an S3-compatible store (<c>NEUROLAB_TEST_S3</c>); skipped without one.</summary>
public sealed class S3FactAttribute : FactAttribute
{
    public S3FactAttribute()
    {
        if (TestServers.S3 is null)
        {
            Skip = "Needs an S3-compatible store: set NEUROLAB_TEST_S3 (.ci/run starts s3rver on loopback).";
        }
    }
}

/// <summary>A fact that needs PostgreSQL and Redis together (several processes sharing both); skipped without them.</summary>
public sealed class ScaleOutFactAttribute : FactAttribute
{
    public ScaleOutFactAttribute()
    {
        if (TestServers.Postgres is null || TestServers.Redis is null)
        {
            Skip = "Needs PostgreSQL and Redis: set NEUROLAB_TEST_POSTGRES and NEUROLAB_TEST_REDIS (.ci/run starts both on loopback).";
        }
    }
}

/// <summary>
/// One theory row that needs an S3-compatible store (<c>NEUROLAB_TEST_S3</c>): skipped without one while the theory's
/// other rows (e.g. the local-folder backend) still run.
/// </summary>
public sealed class S3InlineDataAttribute(params object?[] data) : Xunit.Sdk.DataAttribute
{
    public override string? Skip
    {
        get => TestServers.S3 is null ? "Needs an S3-compatible store: set NEUROLAB_TEST_S3 (.ci/run starts s3rver on loopback)." : base.Skip;
        set => base.Skip = value;
    }

    public override IEnumerable<object?[]> GetData(System.Reflection.MethodInfo testMethod) => [data];
}
