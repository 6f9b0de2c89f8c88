using System.CommandLine;
using System.Globalization;
using System.Numerics;

namespace NativeTV.Host.Cli;

/// <summary>
/// Range rules on numeric options, checked while the command line is parsed: a bad value stops the command
/// before it loads or writes anything, with one line naming the option. NaN and infinities never pass.
/// </summary>
public static class OptionRules
{
    public static Option<T> AtLeast<T>(this Option<T> o, T min) where T : INumber<T> => o.Rule<T, T>(v => v >= min, $"at least {min}");

    public static Option<T?> AtLeast<T>(this Option<T?> o, T min) where T : struct, INumber<T> => o.Rule<T?, T>(v => v >= min, $"at least {min}");

    public static Option<T> Above<T>(this Option<T> o, T min) where T : INumber<T> => o.Rule<T, T>(v => v > min, $"above {min}");

    public static Option<T?> Above<T>(this Option<T?> o, T min) where T : struct, INumber<T> => o.Rule<T?, T>(v => v > min, $"above {min}");

    public static Option<T> Finite<T>(this Option<T> o) where T : INumber<T> => o.Rule<T, T>(_ => true, "a finite number");

    /// <summary>For a limit known only once something is loaded (an SAE's d_sae): the value, or an error naming the option.</summary>
    public static int AtMost(string option, int value, int max, string what) =>
        value <= max ? value : throw new ArgumentException($"{option} must be at most {what} ({max}), not {value}");

    private static Option<TOption> Rule<TOption, T>(this Option<TOption> o, Func<T, bool> ok, string what) where T : INumber<T>
    {
        // Only values typed on the command line: defaults are valid, and text that is no number the parser reports itself.
        o.Validators.Add(r =>
        {
            if (r.Tokens.Count == 0 || !T.TryParse(r.Tokens[^1].Value, CultureInfo.InvariantCulture, out var v)) return;
            if (!ok(v) || !T.IsFinite(v)) r.AddError(string.Create(CultureInfo.InvariantCulture, $"{o.Name} must be {what}, not {v}"));
        });
        return o;
    }
}
