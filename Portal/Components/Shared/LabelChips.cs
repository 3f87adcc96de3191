using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Data;
using Portal.Lab;

namespace Portal.Components.Shared;

/// <summary>
/// The one place that decides how a board state, a reservation state and a board's tags look, so every page shows
/// them the same way. Render fragments, not components: a list shows one per row, and every component of a live page
/// stays in the server's memory for as long as the page is open.
/// </summary>
public static class LabelChips
{
    public static RenderFragment Board(BoardState state) => StaticChip.Render(
        Name(state), ColorOf(state), Variant.Filled, IconOf(state), ("data-state", Name(state)));

    public static RenderFragment Reservation(ReservationState state) => StaticChip.Render(
        Name(state), ColorOf(state), Variant.Outlined, data: ("data-reservation-state", Name(state)));

    public static RenderFragment Tags(IReadOnlyDictionary<string, string> tags) => builder =>
    {
        foreach (var (key, value) in tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            builder.AddContent(0, StaticChip.Render($"{key}={value}", Color.Default, Variant.Outlined));
        }
    };

    private static string Name<T>(T state) where T : struct, Enum => state.ToString().ToLowerInvariant();

    private static Color ColorOf(BoardState state) => state switch
    {
        BoardState.Free => Color.Success,
        BoardState.Preparing or BoardState.Reserved or BoardState.Releasing => Color.Info,
        BoardState.Offline or BoardState.Maintenance => Color.Default,
        BoardState.Checking => Color.Secondary,
        BoardState.Bad => Color.Error,
        _ => Color.Warning,
    };

    private static string IconOf(BoardState state) => state switch
    {
        BoardState.Free => Icons.Material.Filled.CheckCircle,
        BoardState.Preparing => Icons.Material.Filled.HourglassTop,
        BoardState.Reserved => Icons.Material.Filled.Lock,
        BoardState.Releasing => Icons.Material.Filled.HourglassBottom,
        BoardState.Offline => Icons.Material.Filled.CloudOff,
        BoardState.Checking => Icons.Material.Filled.HealthAndSafety,
        BoardState.Maintenance => Icons.Material.Filled.Construction,
        BoardState.Bad => Icons.Material.Filled.HeartBroken,
        _ => Icons.Material.Filled.Warning,
    };

    private static Color ColorOf(ReservationState state) => state switch
    {
        ReservationState.Preparing or ReservationState.Active or ReservationState.Releasing => Color.Info,
        ReservationState.Failed => Color.Error,
        _ => Color.Default,
    };
}
