using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Portal.Components.Shared;
using Portal.Data;
using Portal.Identity;
using Portal.Tests.Support;

namespace Portal.Tests.Components;

/// <summary>The toasts before a lease ends, on the lab's clock, and their Extend button.</summary>
public sealed class LeaseEndingNotifierTests : MudBunitContext
{
    private readonly TestReservations _lab = new();
    private readonly WatchedClock _clock;

    public LeaseEndingNotifierTests()
    {
        var auth = AddAuthorization();
        auth.SetAuthorized("alice@lab.test");
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, "alice"));
        Services.AddLogging();
        Services.AddSingleton<IDbContextFactory<ApplicationDbContext>>(_lab.Database);
        Services.AddSingleton<ActorResolver>();
        _clock = new WatchedClock(_lab.Clock);
        Services.AddSingleton<TimeProvider>(_clock);
        Services.AddSingleton(_lab.Bus);
        Services.AddSingleton(_lab.Queries);
        Services.AddSingleton(_lab.Lifecycle);
        Services.AddSingleton(_lab.Queue);
        Services.AddScoped<ReservationCommands>();
    }

    protected override ValueTask DisposeAsyncCore()
    {
        _lab.Dispose();
        return base.DisposeAsyncCore();
    }

    [Fact]
    public async Task TenMinutesAndOneMinuteBeforeTheEndAToastOffersExtendWhichMovesTheWarnings()
    {
        await _lab.SeedAsync(["rpi4/rpi-1"], "alice");
        var granted = await _lab.Lifecycle.ReserveBoardAsync(TestReservations.User("alice"), "rpi-1", TimeSpan.FromMinutes(30), CancellationToken.None);
        var endsAt = granted.Reservation!.ExpiresAt;
        var page = Render(builder =>
        {
            builder.OpenComponent<MudSnackbarProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<LeaseEndingNotifier>(1);
            builder.CloseComponent();
        });

        // The notifier sets its two timers once it has read the reservations: only then may the lab's clock move, or a
        // timer would be set after its time (as on PostgreSQL, where the read takes longer).
        Assert.Equal(2, await Poll.UntilAsync(() => Task.FromResult(_clock.WarningTimers), timers => timers >= 2));
        _lab.Clock.Advance(TimeSpan.FromMinutes(19));
        Assert.DoesNotContain("ends in", page.Markup);
        _lab.Clock.Advance(TimeSpan.FromMinutes(1));
        page.WaitForAssertion(() => Assert.Contains("Your lease of rpi-1 ends in 10 minutes.", page.Markup));

        await page.Find(".mud-snackbar button.mud-snackbar-action-button, .mud-snackbar button").ClickAsync(new());
        var extendedTo = (await Poll.UntilAsync(() => _lab.Queries.GetAsync(granted.Reservation.Id, CancellationToken.None), r => r!.ExpiresAt > endsAt))!.ExpiresAt;
        Assert.True(extendedTo > endsAt, "Extend did not move the lease's end.");
        // The notifier sets its timers again once the extension's lab event has reached it: two for the new end.
        await Poll.UntilAsync(() => Task.FromResult(_clock.WarningTimers), timers => timers >= 4);

        // The old end's one-minute warning is gone with the old end; the new end warns in its turn.
        _lab.Clock.Advance(endsAt - _lab.Clock.GetUtcNow().UtcDateTime - TimeSpan.FromSeconds(30));
        Assert.DoesNotContain("ends in 1 minute", page.Markup);
        _lab.Clock.Advance(extendedTo - _lab.Clock.GetUtcNow().UtcDateTime - TimeSpan.FromSeconds(59));
        page.WaitForAssertion(() => Assert.Contains("Your lease of rpi-1 ends in 1 minute.", page.Markup));
    }

    /// <summary>The lab's clock, counting the timers set minutes ahead (a lease warning's, not a page's pacing).</summary>
    private sealed class WatchedClock(TimeProvider clock) : TimeProvider
    {
        private int _warningTimers;

        public int WarningTimers => Volatile.Read(ref _warningTimers);

        public override DateTimeOffset GetUtcNow() => clock.GetUtcNow();

        public override long GetTimestamp() => clock.GetTimestamp();

        public override long TimestampFrequency => clock.TimestampFrequency;

        public override TimeZoneInfo LocalTimeZone => clock.LocalTimeZone;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime >= TimeSpan.FromMinutes(1))
            {
                Interlocked.Increment(ref _warningTimers);
            }

            return clock.CreateTimer(callback, state, dueTime, period);
        }
    }
}
