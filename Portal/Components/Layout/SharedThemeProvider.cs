using System.Collections.Concurrent;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using MudBlazor;

namespace Portal.Components.Layout;

/// <summary>
/// MudBlazor's theme provider, rendering the same markup, with its stylesheets shared by every open page. MudThemeProvider
/// builds the theme's stylesheet (about 24 KiB of text) anew on each render, and each open page keeps its last two
/// renders: 200 open pages held 9 MiB of identical copies. The text is still built per render, then exchanged for the one
/// shared copy of the same text, so the page keeps only a reference.
/// </summary>
public sealed class SharedThemeProvider : MudThemeProvider
{
    // MudThemeProvider's own markup between the scrollbar and the theme (MudBlazor 9); SharedThemeProviderTests compare.
    private const string ChartStyle = "<style>\n    .mud-chart-serie:hover {\n        filter: url(#lighten);\n    }\n\n    .mud-chart-serie-hovered \n    {\n        filter: url(#lighten);\n    }\n</style>\n\n";

    // A few texts exist (the scrollbar, the theme in light and in dark); the bound keeps a theme made per page from growing it.
    private const int MostTexts = 16;

    private static readonly ConcurrentDictionary<string, string> Texts = new(StringComparer.Ordinal);

    /// <summary>The one shared copy of <paramref name="text"/> (or the text itself, once enough are shared).</summary>
    internal static string Shared(string text) =>
        Texts.TryGetValue(text, out var shared) ? shared : Texts.Count < MostTexts ? Texts.GetOrAdd(text, text) : text;

    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        if (!DefaultScrollbar)
        {
            builder.AddContent(0, (MarkupString)Shared(BuildMudBlazorScrollbar()));
        }

        builder.AddMarkupContent(1, ChartStyle);
        builder.AddContent(2, (MarkupString)Shared(BuildTheme()));
    }
}
