using System.Text;

namespace Flows.Shared;

/// <summary>POSIX <c>shlex.split</c> and <c>string.Template.safe_substitute</c>, the Python functions Prefect's
/// <c>run_shell_script</c> step and its process worker use, so a script line or a command means the same thing here as
/// there. Linked source (src/Shared, docs/DESIGN.md "Shared helpers"): compiled into Flows.Deploy and Flows.Workers.</summary>
internal static class ShellWords
{
    /// <summary>Splits like <c>shlex.split(line, posix=True)</c> (comments off, as shlex.split does).</summary>
    public static List<string> Split(string line)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }

                continue;
            }

            inWord = true;
            switch (c)
            {
                case '\'':
                    var close = line.IndexOf('\'', i + 1);
                    if (close < 0)
                    {
                        throw new FormatException("No closing quotation");
                    }

                    current.Append(line, i + 1, close - i - 1);
                    i = close;
                    break;
                case '"':
                    i++;
                    for (; i < line.Length && line[i] != '"'; i++)
                    {
                        // Inside double quotes a backslash escapes only \ " $ ` (POSIX).
                        if (line[i] == '\\' && i + 1 < line.Length && line[i + 1] is '\\' or '"' or '$' or '`')
                        {
                            i++;
                        }

                        current.Append(line[i]);
                    }

                    if (i >= line.Length)
                    {
                        throw new FormatException("No closing quotation");
                    }

                    break;
                case '\\':
                    if (++i >= line.Length)
                    {
                        throw new FormatException("No escaped character");
                    }

                    current.Append(line[i]);
                    break;
                default:
                    current.Append(c);
                    break;
            }
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        return words;
    }

    /// <summary><c>$NAME</c>, <c>${NAME}</c> replaced when known, <c>$$</c> → <c>$</c>, everything else kept.</summary>
    public static string SafeSubstitute(string text, Func<string, string?> lookup)
    {
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '$' || i + 1 >= text.Length)
            {
                sb.Append(text[i]);
                continue;
            }

            if (text[i + 1] == '$')
            {
                sb.Append('$');
                i++;
                continue;
            }

            var braced = text[i + 1] == '{';
            var start = braced ? i + 2 : i + 1;
            var end = start;
            while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_') && !(end == start && char.IsAsciiDigit(text[end])))
            {
                end++;
            }

            var name = text[start..end];
            var closed = !braced || (end < text.Length && text[end] == '}');
            var value = name.Length > 0 && closed ? lookup(name) : null;
            if (value is null)
            {
                sb.Append(text[i]);
                continue;
            }

            sb.Append(value);
            i = braced ? end : end - 1;
        }

        return sb.ToString();
    }
}
