using Microsoft.AspNetCore.Components;

namespace Portal.Components.Shared;

/// <summary>MudIcon's svg for an icon's path markup, without the MudIcon component (see <see cref="StaticChip"/>).</summary>
public static class StaticIcon
{
    public static RenderFragment Render(string cssClass, string icon) => builder =>
    {
        builder.OpenElement(0, "svg");
        builder.AddAttribute(1, "class", cssClass);
        builder.AddAttribute(2, "focusable", "false");
        builder.AddAttribute(3, "viewBox", "0 0 24 24");
        builder.AddAttribute(4, "aria-hidden", "true");
        builder.AddMarkupContent(5, icon);
        builder.CloseElement();
    };
}
