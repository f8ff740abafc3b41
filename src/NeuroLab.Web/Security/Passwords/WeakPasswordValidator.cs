using System.Collections.Frozen;
using System.Text;
using Microsoft.AspNetCore.Identity;
using NeuroLab.Data.Identity;

namespace NeuroLab.Web.Security.Passwords;

/// <summary>
/// The password policy of NIST SP 800-63B §5.1.1.2 beyond length: refuse passwords that are commonly used
/// (a list of common and breached passwords, <c>common-passwords.txt</c>, built by
/// <c>tools/passwords/make_common_passwords.py</c>), such a password with digits or symbols added
/// ("password12", "P@ssw0rd!"), repetitive or sequential characters ("aaaaaaaaaa", "1234567890",
/// "qwertyuiop"), and passwords that lean on context words (the e-mail name, the display name,
/// "neurolab"). No composition rules. Registered as an Identity validator, so registration, password
/// change and the API all apply it; the minimum length stays with Identity's own validator.
/// </summary>
public sealed class WeakPasswordValidator : IPasswordValidator<ApplicationUser>
{
    private const string ServiceName = "neurolab";

    private static readonly Lazy<FrozenSet<string>> _common = new(LoadCommon);

    private static readonly string[] _sequences =
    [
        "01234567890123456789", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
        "qwertyuiopqwertyuiop", "asdfghjklasdfghjkl", "zxcvbnmzxcvbnm", "qwertzuiop", "azertyuiop",
    ];

    /// <summary>Number of entries in the common-password list (for tests and diagnostics).</summary>
    public static int CommonPasswordCount => _common.Value.Count;

    public Task<IdentityResult> ValidateAsync(UserManager<ApplicationUser> manager, ApplicationUser user, string? password)
    {
        ArgumentNullException.ThrowIfNull(manager);
        var minLength = manager.Options.Password.RequiredLength;
        if (string.IsNullOrEmpty(password) || password.Length < minLength)
        {
            // Identity's length validator already explains this one.
            return Task.FromResult(IdentityResult.Success);
        }
        var error = Check(password, minLength, ContextWords(user));
        return Task.FromResult(error is null ? IdentityResult.Success : IdentityResult.Failed(error));
    }

    /// <summary>The first reason <paramref name="password"/> is weak, or null.</summary>
    internal static IdentityError? Check(string password, int minLength, IReadOnlyCollection<string> contextWords)
    {
        var lower = password.ToLowerInvariant();
        if (_common.Value.Contains(lower))
        {
            return new IdentityError
            {
                Code = "PasswordTooCommon",
                Description = "This password is on a list of commonly used passwords, which attackers try first. Choose a longer passphrase, for example several unrelated words.",
            };
        }
        var core = Core(lower);
        if (core.Length >= 3 && (_common.Value.Contains(core) || _common.Value.Contains(Unleet(core))) || IsRepeatedCommon(lower))
        {
            return new IdentityError
            {
                Code = "PasswordCommonVariant",
                Description = "This password is a common password or word with only digits, symbols, letter swaps (like @ for a) or repetition added; attackers try those variations first. Choose a longer passphrase, for example several unrelated words.",
            };
        }
        if (IsPattern(lower) || (core.Length >= 4 && IsPattern(core)))
        {
            return new IdentityError
            {
                Code = "PasswordPattern",
                Description = "This password is a repeated character, a sequence or a keyboard walk (like 'aaaaaaaaaa', '1234567890' or 'qwertyuiop'); these are guessed first. Choose a longer passphrase, for example several unrelated words.",
            };
        }
        var rest = lower;
        foreach (var word in contextWords.OrderByDescending(w => w.Length))
        {
            rest = rest.Replace(word, string.Empty, StringComparison.Ordinal);
        }
        if (rest.Length != lower.Length && (rest.Length < minLength || Core(rest).Length == 0))
        {
            return new IdentityError
            {
                Code = "PasswordContextWords",
                Description = $"This password is built on your e-mail name, your display name or 'NeuroLab'; without those it has only {rest.Length} characters. Use at least {minLength} characters besides them.",
            };
        }
        return null;
    }

    /// <summary>Words an attacker who knows the account would try: the service name and the user's names (3+ characters).</summary>
    internal static IReadOnlyCollection<string> ContextWords(ApplicationUser user)
    {
        var words = new HashSet<string>(StringComparer.Ordinal) { ServiceName };
        foreach (var text in new[] { user.Email, user.UserName, user.DisplayName })
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }
            var lower = text.Trim().ToLowerInvariant();
            var at = lower.IndexOf('@', StringComparison.Ordinal);
            var local = at >= 0 ? lower[..at] : lower;
            Add(local);
            foreach (var token in local.Split(local.Where(c => !char.IsLetterOrDigit(c)).Distinct().ToArray()))
            {
                Add(token);
            }
            if (at >= 0)
            {
                // The organisation's name (first label of the domain), when long enough to be a word.
                var label = lower[(at + 1)..].Split('.')[0];
                if (label.Length >= 4)
                {
                    words.Add(label);
                }
            }
        }
        return words;

        void Add(string word)
        {
            if (word.Length >= 3)
            {
                words.Add(word);
            }
        }
    }

    /// <summary>The password without the digits, symbols and spaces people add at either end ("!password12" -> "password").</summary>
    private static string Core(string lower)
    {
        var start = 0;
        var end = lower.Length;
        while (start < end && !char.IsLetter(lower[start]))
        {
            start++;
        }
        while (end > start && !char.IsLetter(lower[end - 1]))
        {
            end--;
        }
        return lower[start..end];
    }

    /// <summary>Undoes the usual letter swaps ("p@ssw0rd" -> "password").</summary>
    private static string Unleet(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '@' or '4' => 'a',
                '3' => 'e',
                '1' or '!' or '|' => 'i',
                '0' => 'o',
                '$' or '5' => 's',
                '7' or '+' => 't',
                '8' => 'b',
                '9' => 'g',
                _ => c,
            });
        }
        return builder.ToString();
    }

    /// <summary>A short unit or a common password repeated ("abcabcabcabc", "passwordpassword").</summary>
    private static bool IsRepeatedCommon(string lower)
    {
        for (var unit = 1; unit <= lower.Length / 2; unit++)
        {
            if (lower.Length % unit != 0)
            {
                continue;
            }
            var candidate = lower[..unit];
            if (string.Concat(Enumerable.Repeat(candidate, lower.Length / unit)) == lower)
            {
                return unit <= 4 || _common.Value.Contains(candidate) || _common.Value.Contains(Unleet(Core(candidate)));
            }
        }
        return false;
    }

    /// <summary>Few distinct characters, or a run along the alphabet, the digits or a keyboard row (either direction).</summary>
    private static bool IsPattern(string text)
    {
        if (text.Distinct().Count() <= 2)
        {
            return true;
        }
        foreach (var sequence in _sequences)
        {
            if (sequence.Contains(text, StringComparison.Ordinal) || Reverse(sequence).Contains(text, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    private static string Reverse(string text)
    {
        var chars = text.ToCharArray();
        Array.Reverse(chars);
        return new string(chars);
    }

    private static FrozenSet<string> LoadCommon()
    {
        using var stream = typeof(WeakPasswordValidator).Assembly.GetManifestResourceStream("NeuroLab.Web.Security.Passwords.common-passwords.txt")
            ?? throw new InvalidOperationException("The embedded common-password list is missing from the build.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var entries = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                entries.Add(line);
            }
        }
        return entries.ToFrozenSet(StringComparer.Ordinal);
    }
}
