using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Portal.Components.Shared;

/// <summary>
/// MudChip's markup for a chip that is only a label (no click, no close), without the components MudChip and its
/// MudIcon are: lists show one per board, tag and reservation, and on a live page every component keeps two render
/// trees in server memory for as long as the page is open.
/// </summary>
public static class StaticChip
{
    public static RenderFragment Render(string text, Color color, Variant variant, string? icon = null, (string Name, string Value)? data = null, string? ariaLabel = null) => builder =>
    {
        var look = variant == Variant.Outlined ? "outlined" : "filled";
        builder.OpenElement(0, "div");
        builder.AddAttribute(1, "class", "mud-chip-container");
        builder.OpenElement(2, "div");
        builder.AddAttribute(3, "class", $"mud-chip mud-chip-{look} mud-chip-size-small mud-chip-color-{color.ToString().ToLowerInvariant()}");
        if (data is var (name, value))
        {
            builder.AddAttribute(4, name, value);
        }

        builder.AddAttribute(5, "aria-label", ariaLabel);
        if (icon is not null)
        {
            builder.AddContent(6, StaticIcon.Render("mud-icon-root mud-svg-icon mud-icon-size-small mud-chip-icon", icon));
        }

        builder.OpenElement(12, "span");
        builder.AddAttribute(13, "class", "mud-chip-content");
        builder.AddContent(14, text);
        builder.CloseElement();
        builder.CloseElement();
        builder.CloseElement();
    };

    /// <summary>What MudLink renders, for links that need no component of their own.</summary>
    public const string LinkClass = "mud-typography mud-link mud-primary-text mud-link-underline-hover";
}
