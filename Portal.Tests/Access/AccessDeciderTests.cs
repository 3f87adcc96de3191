using Portal.Access;
using Portal.Data;

namespace Portal.Tests.Access;

public sealed class AccessDeciderTests
{
    private const string Alice = "alice";
    private const int Students = 10;
    private const int Staff = 11;
    private const int Pine01 = 1;
    private const int Pine02 = 2;
    private const int PineClass = 100;

    [Fact]
    public void NoRuleDenies()
    {
        var decision = Decide([]);

        Assert.False(decision.Permitted);
        Assert.Null(decision.DecidingRule);
        Assert.Equal("no rule gives ConsoleWrite on pine-01", decision.Reason);
    }

    [Fact]
    public void AdminsPassWithoutAnyRule()
    {
        var decision = AccessDecider.Decide(Request(isAdmin: true), [Everyone(1, RuleEffect.Deny, TargetKind.All)]);

        Assert.True(decision.Permitted);
        Assert.Equal("admins pass every check", decision.Reason);
    }

    [Fact]
    public void UserRuleBeatsGroupRuleBeatsEveryone()
    {
        RuleFacts[] rules = [Everyone(1, RuleEffect.Deny, TargetKind.All), Group(2, Students, RuleEffect.Permit, TargetKind.All), User(3, Alice, RuleEffect.Deny, TargetKind.All)];

        Assert.Equal((false, 3), Outcome(Decide(rules)));
        Assert.Equal((true, 2), Outcome(Decide(rules[..2])));
        Assert.Equal((false, 1), Outcome(Decide(rules[..1])));
    }

    [Fact]
    public void AUserRuleForAnotherBoardDoesNotHideTheGroupRule()
    {
        RuleFacts[] rules = [Group(1, Students, RuleEffect.Permit, TargetKind.All), User(2, Alice, RuleEffect.Deny, TargetKind.Board, board: Pine02)];

        var decision = Decide(rules);

        Assert.Equal((true, 1), Outcome(decision));
        Assert.Contains("#2 Deny ConsoleWrite to test: it is for another board", decision.NotApplied);
    }

    [Fact]
    public void BoardBeatsClassBeatsAllWithinTheSameSubject()
    {
        RuleFacts[] rules = [Everyone(1, RuleEffect.Permit, TargetKind.All), Everyone(2, RuleEffect.Deny, TargetKind.Class, @class: PineClass), Everyone(3, RuleEffect.Permit, TargetKind.Board, board: Pine01)];

        Assert.Equal((true, 3), Outcome(Decide(rules)));
        Assert.Equal((false, 2), Outcome(Decide(rules[..2])));
        Assert.Equal((true, 1), Outcome(Decide(rules[..1])));
    }

    [Fact]
    public void WhenTwoGroupsDisagreeAtTheSameLevelDenyWins()
    {
        RuleFacts[] rules = [Group(1, Staff, RuleEffect.Permit, TargetKind.Class, @class: PineClass), Group(2, Students, RuleEffect.Deny, TargetKind.Class, @class: PineClass)];

        var decision = Decide(rules);

        Assert.Equal((false, 2), Outcome(decision));
        Assert.Contains("#1 Permit ConsoleWrite to test: at the same level a deny wins", decision.NotApplied);
    }

    [Fact]
    public void RulesForOtherUsersGroupsOrCapabilitiesDoNotApply()
    {
        RuleFacts[] rules =
        [
            User(1, "bob", RuleEffect.Permit, TargetKind.All),
            Group(2, 99, RuleEffect.Permit, TargetKind.All),
            Everyone(3, RuleEffect.Permit, TargetKind.All) with { Capability = Capability.Power },
            Everyone(4, RuleEffect.Permit, TargetKind.Class, @class: 555),
        ];

        var decision = Decide(rules);

        Assert.False(decision.Permitted);
        Assert.Equal(
            ["#1 Permit ConsoleWrite to test: it is for another user", "#2 Permit ConsoleWrite to test: the user is not in that group", "#4 Permit ConsoleWrite to test: it is for another class"],
            decision.NotApplied);
    }

    private static AccessDecision Decide(RuleFacts[] rules) => AccessDecider.Decide(Request(), rules);

    private static (bool, int?) Outcome(AccessDecision decision) => (decision.Permitted, decision.DecidingRule?.Id);

    private static AccessRequest Request(bool isAdmin = false) =>
        new(Alice, isAdmin, new HashSet<int> { Students, Staff }, Capability.ConsoleWrite, Pine01, PineClass, "pine-01");

    private static RuleFacts User(int id, string user, RuleEffect effect, TargetKind target, int? board = null, int? @class = null) =>
        new(id, SubjectKind.User, user, null, Capability.ConsoleWrite, target, board, @class, effect, $"{effect} ConsoleWrite to test");

    private static RuleFacts Group(int id, int group, RuleEffect effect, TargetKind target, int? board = null, int? @class = null) =>
        new(id, SubjectKind.Group, null, group, Capability.ConsoleWrite, target, board, @class, effect, $"{effect} ConsoleWrite to test");

    private static RuleFacts Everyone(int id, RuleEffect effect, TargetKind target, int? board = null, int? @class = null) =>
        new(id, SubjectKind.Everyone, null, null, Capability.ConsoleWrite, target, board, @class, effect, $"{effect} ConsoleWrite to test");
}
