using MudBlazor;

namespace Portal.Components.Layout;

/// <summary>
/// The portal's colours, chosen for contrast (WCAG AA, 4.5:1, checked by axe-core in the browser tests): in light
/// mode dark tones carry white text; in dark mode light tones carry dark text and read as text on the dark surface.
/// </summary>
internal static class PortalTheme
{
    private const string DarkInk = "#1a1a27";

    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1565c0",
            Secondary = "#ad1457",
            Info = "#01579b",
            Success = "#2e7d32",
            Warning = "#a64d00",
            Error = "#c62828",
            AppbarBackground = "#0d47a1",
            TextSecondary = "rgba(0,0,0,0.64)",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#90caf9",
            PrimaryContrastText = DarkInk,
            Secondary = "#f48fb1",
            SecondaryContrastText = DarkInk,
            Info = "#81d4fa",
            InfoContrastText = DarkInk,
            Success = "#81c784",
            SuccessContrastText = DarkInk,
            Warning = "#ffb74d",
            WarningContrastText = DarkInk,
            Error = "#ef9a9a",
            ErrorContrastText = DarkInk,
            TextSecondary = "#b4b4ba",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica", "Arial", "sans-serif"] },
        },
    };
}
