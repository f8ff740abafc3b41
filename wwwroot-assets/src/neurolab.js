// NeuroLab browser helpers called from Blazor through JS interop (IJSRuntime / IJSObjectReference).
// Kept free of inline script so the Content-Security-Policy can forbid inline code.

const themeKey = "neurolab.theme";

/** The stored theme preference: "dark", "light", or null when the user has not chosen. */
export function getThemePreference() {
    try {
        return window.localStorage.getItem(themeKey);
    } catch {
        return null;
    }
}

/** Stores the theme preference so it survives reloads and new circuits. */
export function setThemePreference(value) {
    try {
        window.localStorage.setItem(themeKey, value);
    } catch {
        // Private browsing can refuse storage; the theme then lasts for this page only.
    }
}

/** Copies text to the clipboard (used to copy a freshly created API token). */
export async function copyText(text) {
    await navigator.clipboard.writeText(text);
}

/**
 * Resolves true once window.Plotly is the full plotly.js bundle (it can draw heatmaps), false after timeoutMs.
 * Plotly.Blazor swaps one script element between its basic and full bundles and draws queued charts with whichever
 * bundle is loaded, so a heatmap drawn right after a basic chart elsewhere in the session is redrawn once this resolves.
 */
export async function waitForFullPlotly(timeoutMs) {
    const start = Date.now();
    while (Date.now() - start < timeoutMs) {
        const plotly = window.Plotly;
        try {
            if (plotly && plotly.PlotSchema && plotly.PlotSchema.get().traces.heatmap) {
                return true;
            }
        } catch {
            // The bundle is still initialising.
        }
        await new Promise(resolve => setTimeout(resolve, 100));
    }
    return false;
}
