using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace Portal.Components.Shared;

/// <summary>
/// MudIconButton's markup, without the components MudIconButton and its MudIcon are: toolbars and app bars show
/// several on every page, and every component of a live page stays in the server's memory while the page is open.
/// A click is handled by <paramref name="receiver"/>, the component that renders the button, which renders again after.
/// </summary>
public static class StaticIconButton
{
    public static RenderFragment Render(
        IHandleEvent receiver,
        string icon,
        string ariaLabel,
        Func<Task> onClick,
        Size size = Size.Medium,
        Color color = Color.Default,
        string? title = null,
        bool? pressed = null,
        bool? expanded = null,
        Edge edge = Edge.False) => builder =>
    {
        builder.OpenElement(0, "button");
        builder.AddAttribute(1, "type", "button");
        builder.AddAttribute(2, "class", edge == Edge.False ? Classes(size, color) : $"{Classes(size, color)} mud-icon-button-edge-{Lower(edge)}");
        builder.AddAttribute(3, "aria-label", ariaLabel);
        builder.AddAttribute(4, "aria-pressed", pressed is { } on ? (on ? "true" : "false") : null);
        builder.AddAttribute(5, "aria-expanded", expanded is { } open ? (open ? "true" : "false") : null);
        builder.AddAttribute(6, "title", title);
        builder.AddAttribute(7, "onclick", EventCallback.Factory.Create<MouseEventArgs>(receiver, onClick));
        builder.AddContent(8, Label(size, icon));
        builder.CloseElement();
    };

    /// <summary>The same look as a link (MudIconButton with an Href).</summary>
    public static RenderFragment Link(string icon, string ariaLabel, string href, Color color = Color.Default, string? title = null) => builder =>
    {
        builder.OpenElement(0, "a");
        builder.AddAttribute(1, "href", href);
        builder.AddAttribute(2, "class", Classes(Size.Medium, color));
        builder.AddAttribute(3, "aria-label", ariaLabel);
        builder.AddAttribute(4, "title", title);
        builder.AddContent(5, Label(Size.Medium, icon));
        builder.CloseElement();
    };

    private static RenderFragment Label(Size size, string icon) => builder =>
    {
        builder.OpenElement(0, "span");
        builder.AddAttribute(1, "class", "mud-icon-button-label");
        builder.AddContent(2, StaticIcon.Render($"mud-icon-root mud-svg-icon mud-icon-size-{Lower(size)}", icon));
        builder.CloseElement();
    };

    private static string Classes(Size size, Color color) => color == Color.Default
        ? $"mud-button-root mud-icon-button mud-ripple mud-ripple-icon mud-icon-button-size-{Lower(size)}"
        : $"mud-button-root mud-icon-button mud-{Lower(color)}-text hover:mud-{Lower(color)}-hover mud-ripple mud-ripple-icon mud-icon-button-size-{Lower(size)}";

    private static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}
