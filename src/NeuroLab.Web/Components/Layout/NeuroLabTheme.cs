using MudBlazor;

namespace NeuroLab.Web.Components.Layout;

/// <summary>The NeuroLab palette (light and dark) and typography. No web fonts: the app works offline.</summary>
public static class NeuroLabTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3949ab",
            Secondary = "#00897b",
            AppbarBackground = "#283593",
            Background = "#f6f7fb",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8c9eff",
            Secondary = "#4db6ac",
            AppbarBackground = "#1a1d2e",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = ["Roboto", "Segoe UI", "Helvetica Neue", "Arial", "sans-serif"] },
        },
    };
}
