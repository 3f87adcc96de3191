using Bunit;
using MudBlazor;
using Portal.Components.Layout;
using Portal.Tests.Support;

namespace Portal.Tests.Components;

public sealed class SharedThemeProviderTests : MudBunitContext
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ItRendersWhatMudBlazorsThemeProviderRenders(bool darkMode)
    {
        var mudBlazors = Render<MudThemeProvider>(p => p.Add(x => x.Theme, PortalTheme.Theme).Add(x => x.IsDarkMode, darkMode));
        var shared = Render<SharedThemeProvider>(p => p.Add(x => x.Theme, PortalTheme.Theme).Add(x => x.IsDarkMode, darkMode));

        Assert.Contains("--mud-palette-primary", shared.Markup);
        Assert.Equal(mudBlazors.Markup, shared.Markup);
    }

    [Fact]
    public void EqualTextsBuiltApartBecomeOneString()
    {
        var first = SharedThemeProvider.Shared(string.Concat(":root{", "--mud-palette-black: #000;}"));
        var second = SharedThemeProvider.Shared(string.Concat(":root{--mud-palette-black: ", "#000;}"));

        Assert.Same(first, second);
    }
}
