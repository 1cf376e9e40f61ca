using System.Globalization;
using System.Text.RegularExpressions;

namespace PlaoImaging.DictionaryGenerator;

/// <summary>Checks value multiplicities as PS3.6 writes them: 1, 3, 1-3, 1-n, 2-2n, 3-3n.</summary>
internal static partial class Vm
{
    [GeneratedRegex(@"^(?<min>[0-9]+)(-(?<max>[0-9]+|(?<step>[0-9]*)n))?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool IsValid(string vm)
    {
        var match = Pattern().Match(vm);
        if (!match.Success)
        {
            return false;
        }

        var min = int.Parse(match.Groups["min"].Value, CultureInfo.InvariantCulture);
        if (match.Groups["step"].Success && match.Groups["step"].Value.Length > 0)
        {
            // "2-2n": the minimum is one step.
            return int.Parse(match.Groups["step"].Value, CultureInfo.InvariantCulture) == min;
        }

        return !match.Groups["max"].Success || match.Groups["max"].Value.EndsWith('n') ||
            int.Parse(match.Groups["max"].Value, CultureInfo.InvariantCulture) >= min;
    }
}
