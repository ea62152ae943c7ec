using System.Globalization;

namespace Flows.Shared;

/// <summary>Numbers read from settings (environment variables), one reading for every process that takes them.</summary>
internal static class SettingValues
{
    /// <summary>
    /// A number of seconds (0 or more, fractions allowed, at most about 68 years) in invariant culture, or null when
    /// <paramref name="text"/> is unset or not such a number: callers fall back to their default rather than fail.
    /// </summary>
    public static TimeSpan? Seconds(string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0 && seconds <= int.MaxValue
            ? TimeSpan.FromSeconds(seconds)
            : null;
}
