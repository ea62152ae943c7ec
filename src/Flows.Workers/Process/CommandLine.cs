using System.Text;

namespace Flows.Workers.Process;

/// <summary>
/// Splits a command string into arguments the way a POSIX shell would for plain words and quotes (Prefect's
/// process worker uses shlex.split), so the command runs without a shell and nothing in it is interpreted.
/// </summary>
public static class CommandLine
{
    public static IReadOnlyList<string> Split(string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var result = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < command.Length; i++)
        {
            var c = command[i];
            if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    result.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }

                continue;
            }

            inWord = true;
            if (c == '\'')
            {
                var end = command.IndexOf('\'', i + 1);
                if (end < 0)
                {
                    throw new FormatException($"unterminated ' in command: {command}");
                }

                current.Append(command, i + 1, end - i - 1);
                i = end;
            }
            else if (c == '"')
            {
                i++;
                for (; i < command.Length && command[i] != '"'; i++)
                {
                    if (command[i] == '\\' && i + 1 < command.Length && command[i + 1] is '"' or '\\' or '$' or '`')
                    {
                        i++;
                    }

                    current.Append(command[i]);
                }

                if (i >= command.Length)
                {
                    throw new FormatException($"unterminated \" in command: {command}");
                }
            }
            else if (c == '\\' && i + 1 < command.Length)
            {
                current.Append(command[++i]);
            }
            else
            {
                current.Append(c);
            }
        }

        if (inWord)
        {
            result.Add(current.ToString());
        }

        return result;
    }
}
