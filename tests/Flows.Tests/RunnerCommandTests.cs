using Flows;

namespace Flows.Tests;

/// <summary>
/// The argument lists that make a flows app the runner: ours (none, with PREFECT__FLOW_RUN_ID) and the default
/// commands of Prefect's workers (Prefect 3 <c>prefect flow-run execute [ID]</c>, Prefect 2 <c>python -m prefect.engine</c>).
/// </summary>
public sealed class RunnerCommandTests
{
    private const string EnvironmentId = "0b6c1f4e-5d2a-4c4e-9a43-1f2a3b4c5d6e";
    private const string ArgumentId = "7f3e2d1c-0b9a-4876-9543-210fedcba987";

    [Theory]
    [InlineData(new string[0], EnvironmentId)]
    [InlineData(new[] { "prefect", "flow-run", "execute" }, EnvironmentId)]
    [InlineData(new[] { "python", "-m", "prefect.engine" }, EnvironmentId)]
    [InlineData(new[] { "prefect", "flow-run", "execute", ArgumentId }, ArgumentId)]
    public void Prefects_default_commands_and_no_arguments_run_the_flow_run_of_the_environment_or_the_argument(string[] args, string expected)
    {
        Assert.True(RunnerCommand.IsRunner(args, EnvironmentId, out var id));
        Assert.Equal(expected, id);
    }

    [Fact]
    public void The_explicit_id_needs_no_environment_and_prefects_commands_without_either_are_runner_commands_without_an_id()
    {
        Assert.True(RunnerCommand.IsRunner(["prefect", "flow-run", "execute", ArgumentId], null, out var id));
        Assert.Equal(ArgumentId, id);
        Assert.True(RunnerCommand.IsRunner(["prefect", "flow-run", "execute"], string.Empty, out id));
        Assert.Null(id);
        Assert.True(RunnerCommand.IsRunner(["python", "-m", "prefect.engine"], null, out id));
        Assert.Null(id);
    }

    [Theory]
    [InlineData("")]
    [InlineData("prefect")]
    [InlineData("prefect flow-run")]
    [InlineData("prefect flow-run execute " + ArgumentId + " extra")]
    [InlineData("python -m prefect.engine x")]
    [InlineData("greet --name Arthur")]
    public void Other_argument_lists_are_local_runs(string commandLine)
    {
        Assert.False(RunnerCommand.IsRunner(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries), null, out var id));
        Assert.Null(id);
    }

    [Fact]
    public void Local_arguments_stay_local_runs_even_inside_a_flow_run_container()
    {
        Assert.False(RunnerCommand.IsRunner(["greet", "--name", "Arthur"], EnvironmentId, out _));
    }

    [Theory]
    [InlineData("prefect flow-run execute")]
    [InlineData("python -m prefect.engine")]
    public async Task Prefects_command_without_a_flow_run_id_is_exit_code_2_naming_the_fix(string commandLine)
    {
        Assert.True(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("PREFECT__FLOW_RUN_ID")), "the test process must not have PREFECT__FLOW_RUN_ID");
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await FlowsApp.RunAsync(commandLine.Split(' '), output, error);

        Assert.Equal(2, code);
        Assert.StartsWith("error FLOWS2209: ", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("PREFECT__FLOW_RUN_ID", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_explicit_id_that_is_not_a_guid_is_exit_code_2()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await FlowsApp.RunAsync(["prefect", "flow-run", "execute", "not-a-guid"], output, error);

        Assert.Equal(2, code);
        Assert.StartsWith("error FLOWS2207: 'not-a-guid'", error.ToString(), StringComparison.Ordinal);
    }
}
