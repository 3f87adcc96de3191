using Microsoft.AspNetCore.Identity;
using Portal.Consoles;
using Portal.Data;
using Portal.Tests.Support;

namespace Portal.Tests.Consoles;

public sealed class AccessRecheckTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly TestReservations _lab = new();
    private readonly TaskCompletionSource<string> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Dispose() => _lab.Dispose();

    [Fact]
    public async Task ASessionWhoseRightWentBeforeItListenedIsClosedAtOnce()
    {
        // The reservation ended between the session's own check and the recheck's subscription: no event comes.
        await using (Recheck(TestReservations.User("alice"), (_, _) => Task.FromResult<string?>("reservation of pine-01 ended")))
        {
            Assert.Equal("reservation of pine-01 ended", await _closed.Task.WaitAsync(Patience));
        }
    }

    [Fact]
    public async Task ASessionIsClosedWhenAnEventAboutItsBoardOrItsUserTakesTheRightAwayAndNotBefore()
    {
        var decisions = 0;
        var firstDecision = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string? refusal = null;

        await using (Recheck(TestReservations.User("alice"), Decide))
        {
            await firstDecision.Task.WaitAsync(Patience);
            _lab.Bus.Publish(new ReservationChanged(7, "pine-02", "bob", ReservationState.Released));
            _lab.Bus.Publish(new UsersChanged("bob"));
            _lab.Bus.Publish(new ReservationChanged(8, "pine-01", "alice", ReservationState.Active));
            await EventuallyAsync(() => Volatile.Read(ref decisions) == 2);
            Volatile.Write(ref refusal, "the account is disabled");
            _lab.Bus.Publish(new UsersChanged("alice"));

            Assert.Equal("the account is disabled", await _closed.Task.WaitAsync(Patience));
            Assert.Equal(3, Volatile.Read(ref decisions));
        }

        Task<string?> Decide(Actor now, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref decisions);
            firstDecision.TrySetResult();
            return Task.FromResult(Volatile.Read(ref refusal));
        }
    }

    [Fact]
    public async Task EachDecisionSeesTheUserAsTheDatabaseHasThemNow()
    {
        await _lab.SeedAsync(["pine/pine-01"], "root");
        await using (var db = _lab.Database.CreateDbContext())
        {
            db.Roles.Add(new IdentityRole(Roles.Admin) { Id = "admin-role", NormalizedName = Roles.Admin.ToUpperInvariant() });
            db.UserRoles.Add(new IdentityUserRole<string> { UserId = "root", RoleId = "admin-role" });
            await db.SaveChangesAsync();
        }

        var admin = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (Recheck(TestReservations.User("root") with { IsAdmin = true }, (now, _) =>
        {
            if (now.IsAdmin)
            {
                admin.TrySetResult();
            }

            return Task.FromResult(now.IsAdmin ? null : "you are no longer an admin");
        }))
        {
            await admin.Task.WaitAsync(Patience);
            await using (var db = _lab.Database.CreateDbContext())
            {
                db.UserRoles.RemoveRange(db.UserRoles);
                await db.SaveChangesAsync();
            }

            _lab.Bus.Publish(new UsersChanged("root"));

            Assert.Equal("you are no longer an admin", await _closed.Task.WaitAsync(Patience));
        }
    }

    private AccessRecheck Recheck(Actor actor, Func<Actor, CancellationToken, Task<string?>> closingReason) =>
        new(_lab.Bus, new ActorResolver(_lab.Database), actor, "pine-01", closingReason, reason =>
        {
            _closed.SetResult(reason);
            return Task.CompletedTask;
        });

    private static async Task EventuallyAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the recheck did not decide again in time");
            await Task.Delay(10);
        }
    }
}
