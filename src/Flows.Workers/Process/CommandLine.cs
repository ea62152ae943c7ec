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
        try
        {
            return Shared.ShellWords.Split(command);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{e.Message} in command: {command}", e);
        }
    }
}
