using System.Globalization;
using Microsoft.AspNetCore.Components;

namespace Portal.Components.Shared;

/// <summary>
/// A lease's time left, rendered once on the server and ticked each second in the browser by
/// <c>wwwroot/js/lease-countdown.js</c>: a server timer per countdown re-rendered every open page's lists every second.
/// </summary>
public static class LeaseCountdown
{
    public static RenderFragment Render(DateTime expiresAt, TimeProvider clock) => builder =>
    {
        var left = expiresAt - clock.GetUtcNow().UtcDateTime;
        builder.OpenElement(0, "span");
        builder.AddAttribute(1, "class", "lease-countdown");
        // Time left as the server saw it at this render, not the expiry: the browser's clock may be wrong.
        builder.AddAttribute(2, "data-lease-left-ms", ((long)left.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        builder.AddAttribute(3, "title", $"until {expiresAt.ToLocalTime():HH:mm}");
        builder.AddContent(4, Text(left));
        builder.CloseElement();
    };

    // lease-countdown.js writes the same words; the browser tests compare the two.
    private static string Text(TimeSpan left) =>
        left <= TimeSpan.Zero ? "expiring"
        : left.TotalHours >= 1 ? $"{(int)left.TotalHours}h {left.Minutes:00}m left"
        : $"{left.Minutes}m {left.Seconds:00}s left";
}
