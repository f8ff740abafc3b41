using Microsoft.EntityFrameworkCore;
using NeuroLab.Data.Identity;

namespace NeuroLab.Data.Tests;

public sealed class ApiTokenServiceTests : IDisposable
{
    private readonly TestDatabase _db = new();
    private readonly MutableClock _clock = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly ApiTokenService _tokens;
    private readonly string _alice;

    public ApiTokenServiceTests()
    {
        _tokens = new ApiTokenService(_db.Factory, _clock);
        _alice = _db.AddUser("alice@lab.org");
    }

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task Create_StoresOnlyTheHash_AndValidates()
    {
        var created = await _tokens.CreateAsync(_alice, "scripts", null);
        Assert.StartsWith(ApiTokenService.SecretPrefix, created.Secret, StringComparison.Ordinal);
        Assert.True(created.Secret.Length >= 40);
        await using (var db = await _db.Factory.CreateDbContextAsync())
        {
            var row = await db.ApiTokens.SingleAsync();
            Assert.NotEqual(created.Secret, row.SecretHash);
            Assert.DoesNotContain(created.Secret[ApiTokenService.SecretPrefix.Length..], row.SecretHash, StringComparison.Ordinal);
            // SHA-256 of the UTF-8 secret, hex: 64 characters.
            Assert.Equal(64, row.SecretHash.Length);
        }
        Assert.Equal(_alice, await _tokens.ValidateAsync(created.Secret));
        Assert.Null(await _tokens.ValidateAsync(created.Secret + "x"));
        Assert.Null(await _tokens.ValidateAsync("nlpat_" + new string('A', 43)));
        Assert.Null(await _tokens.ValidateAsync(""));
    }

    [Fact]
    public void Hash_MatchesKnownSha256()
    {
        // Reference: `printf 'abc' | sha256sum` (GNU coreutils 9.1).
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ApiTokenService.Hash("abc"));
    }

    [Fact]
    public async Task Revoked_Token_StopsWorking()
    {
        var created = await _tokens.CreateAsync(_alice, "scripts", null);
        Assert.True(await _tokens.RevokeAsync(_alice, created.Token.Id));
        Assert.Null(await _tokens.ValidateAsync(created.Secret));
        Assert.NotNull((await _tokens.ListAsync(_alice)).Single().RevokedAtUtc);
    }

    [Fact]
    public async Task Revoke_SomeoneElsesToken_IsRefused()
    {
        var bob = _db.AddUser("bob@lab.org");
        var created = await _tokens.CreateAsync(_alice, "scripts", null);
        Assert.False(await _tokens.RevokeAsync(bob, created.Token.Id));
        Assert.Equal(_alice, await _tokens.ValidateAsync(created.Secret));
    }

    [Fact]
    public async Task Expired_Token_StopsWorking()
    {
        var created = await _tokens.CreateAsync(_alice, "short", TimeSpan.FromDays(1));
        Assert.Equal(_alice, await _tokens.ValidateAsync(created.Secret));
        _clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));
        Assert.Null(await _tokens.ValidateAsync(created.Secret));
    }

    [Fact]
    public async Task Create_BadName_IsRejected()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _tokens.CreateAsync(_alice, " ", null));
        Assert.Empty(await _tokens.ListAsync(_alice));
    }

    private sealed class MutableClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
