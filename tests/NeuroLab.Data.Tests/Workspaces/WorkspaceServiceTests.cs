using Microsoft.EntityFrameworkCore;
using NeuroLab.Data.Workspaces;

namespace NeuroLab.Data.Tests.Workspaces;

public sealed class WorkspaceServiceTests : IDisposable
{
    private readonly TestDatabase _db = new();
    private readonly WorkspaceService _service;
    private readonly string _alice;
    private readonly string _bob;
    private readonly string _carol;

    public WorkspaceServiceTests()
    {
        _service = new WorkspaceService(_db.Factory, TestDatabase.Normalizer, TimeProvider.System);
        _alice = _db.AddUser("alice@lab.org");
        _bob = _db.AddUser("bob@lab.org");
        _carol = _db.AddUser("carol@lab.org");
    }

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task Create_MakesCreatorTheOwner()
    {
        var w = await _service.CreateAsync(_alice, "  V1 encoding  ");
        Assert.Equal("V1 encoding", w.Name);
        Assert.Equal(WorkspaceRole.Owner, w.Role);
        var listed = Assert.Single(await _service.ListAsync(_alice));
        Assert.Equal(w.Id, listed.Id);
        Assert.Empty(await _service.ListAsync(_bob));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("bad\u0001name")]
    public async Task Create_InvalidName_IsRejected(string name)
    {
        await Assert.ThrowsAsync<WorkspaceRuleException>(() => _service.CreateAsync(_alice, name));
        Assert.Empty(await _service.ListAsync(_alice));
    }

    [Fact]
    public async Task Create_NameTooLong_MessageGivesLimit()
    {
        var e = await Assert.ThrowsAsync<WorkspaceRuleException>(() => _service.CreateAsync(_alice, new string('x', 101)));
        Assert.Contains("100", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outsider_SeesNothing_AndGetsNotFound()
    {
        var w = await _service.CreateAsync(_alice, "Private");
        await Assert.ThrowsAsync<WorkspaceNotFoundException>(() => _service.GetAsync(_carol, w.Id));
        await Assert.ThrowsAsync<WorkspaceNotFoundException>(() => _service.ListMembersAsync(_carol, w.Id));
        await Assert.ThrowsAsync<WorkspaceNotFoundException>(() => _service.RenameAsync(_carol, w.Id, "Mine"));
        await Assert.ThrowsAsync<WorkspaceNotFoundException>(() => _service.AddMemberAsync(_carol, w.Id, "carol@lab.org", WorkspaceRole.Owner));
        await Assert.ThrowsAsync<WorkspaceNotFoundException>(() => _service.LeaveAsync(_carol, w.Id));
        await Assert.ThrowsAsync<WorkspaceNotFoundException>(() => _service.ListActivityAsync(_carol, w.Id));
        // Same answer for an id that does not exist at all.
        await Assert.ThrowsAsync<WorkspaceNotFoundException>(() => _service.GetAsync(_carol, Guid.NewGuid()));
    }

    [Fact]
    public async Task Viewer_CanRead_CannotRenameOrManage()
    {
        var w = await _service.CreateAsync(_alice, "Shared");
        await _service.AddMemberAsync(_alice, w.Id, "BOB@lab.org", WorkspaceRole.Viewer);
        Assert.Equal(WorkspaceRole.Viewer, (await _service.GetAsync(_bob, w.Id)).Role);
        Assert.Equal(2, (await _service.ListMembersAsync(_bob, w.Id)).Count);
        var e = await Assert.ThrowsAsync<WorkspaceForbiddenException>(() => _service.RenameAsync(_bob, w.Id, "Bob's"));
        Assert.Equal(WorkspaceRole.Owner, e.Required);
        await Assert.ThrowsAsync<WorkspaceForbiddenException>(() => _service.AddMemberAsync(_bob, w.Id, "carol@lab.org", WorkspaceRole.Viewer));
        await Assert.ThrowsAsync<WorkspaceForbiddenException>(() => _service.ChangeRoleAsync(_bob, w.Id, _bob, WorkspaceRole.Owner));
        await Assert.ThrowsAsync<WorkspaceForbiddenException>(() => _service.RemoveMemberAsync(_bob, w.Id, _alice));
        Assert.Equal("Shared", (await _service.GetAsync(_alice, w.Id)).Name);
    }

    [Fact]
    public async Task Editor_CannotManageMembers()
    {
        var w = await _service.CreateAsync(_alice, "Shared");
        await _service.AddMemberAsync(_alice, w.Id, "bob@lab.org", WorkspaceRole.Editor);
        Assert.Equal(WorkspaceRole.Editor, await _service.RequireRoleAsync(_bob, w.Id, WorkspaceRole.Editor, "launching runs"));
        await Assert.ThrowsAsync<WorkspaceForbiddenException>(() => _service.AddMemberAsync(_bob, w.Id, "carol@lab.org", WorkspaceRole.Viewer));
    }

    [Fact]
    public async Task AddMember_UnknownEmail_SaysToRegisterFirst()
    {
        var w = await _service.CreateAsync(_alice, "Shared");
        var e = await Assert.ThrowsAsync<WorkspaceRuleException>(() => _service.AddMemberAsync(_alice, w.Id, "nobody@lab.org", WorkspaceRole.Viewer));
        Assert.Contains("register", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AddMember_Twice_IsConflict()
    {
        var w = await _service.CreateAsync(_alice, "Shared");
        await _service.AddMemberAsync(_alice, w.Id, "bob@lab.org", WorkspaceRole.Viewer);
        var e = await Assert.ThrowsAsync<WorkspaceRuleException>(() => _service.AddMemberAsync(_alice, w.Id, "bob@lab.org", WorkspaceRole.Editor));
        Assert.True(e.IsConflict);
    }

    [Fact]
    public async Task LastOwner_CannotLeaveOrBeDemoted_UntilAnotherOwnerExists()
    {
        var w = await _service.CreateAsync(_alice, "Shared");
        await _service.AddMemberAsync(_alice, w.Id, "bob@lab.org", WorkspaceRole.Editor);
        await Assert.ThrowsAsync<WorkspaceRuleException>(() => _service.LeaveAsync(_alice, w.Id));
        await Assert.ThrowsAsync<WorkspaceRuleException>(() => _service.ChangeRoleAsync(_alice, w.Id, _alice, WorkspaceRole.Viewer));

        await _service.ChangeRoleAsync(_alice, w.Id, _bob, WorkspaceRole.Owner);
        await _service.LeaveAsync(_alice, w.Id);
        await Assert.ThrowsAsync<WorkspaceNotFoundException>(() => _service.GetAsync(_alice, w.Id));
        await Assert.ThrowsAsync<WorkspaceRuleException>(() => _service.LeaveAsync(_bob, w.Id));
    }

    [Fact]
    public async Task Remove_Member_LosesAccess_AndIsAudited()
    {
        var w = await _service.CreateAsync(_alice, "Shared");
        await _service.AddMemberAsync(_alice, w.Id, "bob@lab.org", WorkspaceRole.Viewer);
        await _service.RemoveMemberAsync(_alice, w.Id, _bob);
        Assert.Empty(await _service.ListAsync(_bob));
        var activity = await _service.ListActivityAsync(_alice, w.Id);
        Assert.Equal(["member.removed", "member.added", "workspace.created"], activity.Select(a => a.Action));
        Assert.All(activity, a => Assert.Equal("alice@lab.org", a.ActorEmail));
    }

    [Fact]
    public async Task Viewer_CanLeave()
    {
        var w = await _service.CreateAsync(_alice, "Shared");
        await _service.AddMemberAsync(_alice, w.Id, "bob@lab.org", WorkspaceRole.Viewer);
        await _service.LeaveAsync(_bob, w.Id);
        Assert.Empty(await _service.ListAsync(_bob));
        await using var db = await _db.Factory.CreateDbContextAsync();
        Assert.Equal(1, await db.Memberships.CountAsync(m => m.WorkspaceId == w.Id));
    }

    [Fact]
    public async Task ChangeRole_ForNonMember_IsMemberNotFound()
    {
        var w = await _service.CreateAsync(_alice, "Shared");
        await Assert.ThrowsAsync<MemberNotFoundException>(() => _service.ChangeRoleAsync(_alice, w.Id, _carol, WorkspaceRole.Editor));
    }

    [Fact]
    public async Task ChangeRole_UndefinedRole_IsRejected()
    {
        var w = await _service.CreateAsync(_alice, "Shared");
        await Assert.ThrowsAsync<WorkspaceRuleException>(() => _service.AddMemberAsync(_alice, w.Id, "bob@lab.org", (WorkspaceRole)42));
    }
}
