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
