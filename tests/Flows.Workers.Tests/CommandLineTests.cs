using Flows.Workers.Process;

namespace Flows.Workers.Tests;

public sealed class CommandLineTests
{
    [Theory]
    [InlineData("dotnet /app/hello.dll", new[] { "dotnet", "/app/hello.dll" })]
    [InlineData("dotnet \"/my apps/hello.dll\"", new[] { "dotnet", "/my apps/hello.dll" })]
    [InlineData("sh -c 'echo $HOME; exit 3'", new[] { "sh", "-c", "echo $HOME; exit 3" })]
    [InlineData("  a\\ b   c ", new[] { "a b", "c" })]
    [InlineData("x \"a\\\"b\" ''", new[] { "x", "a\"b", "" })]
    public void Splits_like_a_shell_without_running_one(string command, string[] expected)
    {
        Assert.Equal(expected, CommandLine.Split(command));
    }

    [Theory]
    [InlineData("sh -c 'oops")]
    [InlineData("dotnet \"x")]
    [InlineData("dotnet x\\")]
    public void Unterminated_quotes_are_errors(string command)
    {
        Assert.Throws<FormatException>(() => CommandLine.Split(command));
    }
}
