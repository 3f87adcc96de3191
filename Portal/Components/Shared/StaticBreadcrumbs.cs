using Microsoft.AspNetCore.Components;

namespace Portal.Components.Shared;

/// <summary>
/// MudBreadcrumbs' markup, without its components (a link and a separator component per step): board and console
/// pages show it, and every component of a live page stays in the server's memory while the page is open.
/// </summary>
public static class StaticBreadcrumbs
{
    /// <summary>The links from the top down to <paramref name="current"/>, the page itself.</summary>
    public static RenderFragment Render(string current, params (string Text, string Href)[] above) => builder =>
    {
        builder.OpenElement(0, "nav");
        builder.AddAttribute(1, "aria-label", "Breadcrumb");
        builder.OpenElement(2, "ol");
        builder.AddAttribute(3, "class", "mud-breadcrumbs mud-typography-body1");
        foreach (var (text, href) in above)
        {
            builder.OpenElement(4, "li");
            builder.AddAttribute(5, "class", "mud-breadcrumb-item");
            builder.OpenElement(6, "a");
            builder.AddAttribute(7, "href", href);
            builder.AddContent(8, text);
            builder.CloseElement();
            builder.CloseElement();
            builder.OpenElement(9, "li");
            builder.AddAttribute(10, "aria-hidden", "true");
            builder.AddAttribute(11, "class", "mud-breadcrumb-separator mud-ltr mud-flip-x-rtl");
            builder.OpenElement(12, "span");
            builder.AddContent(13, "/");
            builder.CloseElement();
            builder.CloseElement();
        }

        builder.OpenElement(14, "li");
        builder.AddAttribute(15, "class", "mud-breadcrumb-item mud-disabled");
        builder.OpenElement(16, "a");
        builder.AddAttribute(17, "aria-current", "page");
        builder.AddContent(18, current);
        builder.CloseElement();
        builder.CloseElement();
        builder.CloseElement();
        builder.CloseElement();
    };
}
