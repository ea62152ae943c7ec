using Flows;

namespace Flows.Tests;

/// <summary>The local entry point: arguments, exit codes and one-line errors.</summary>
public sealed class FlowsAppTests
{
    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await FlowsApp.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Named_flow_with_a_parameter_completes()
    {
        var capture = new FlowLogCapture();
        int code;
        using (FlowLogging.Capture(capture))
        {
            (code, _, _) = await Run("greet", "--name", "Arthur");
        }

        Assert.Equal(0, code);
        Assert.Contains(capture.Records, r => r.Message == "Hello, Arthur!");
    }

    [Theory]
    [InlineData(new[] { "add-numbers", "--count", "abc" }, "error FLOWS2001: flow 'add-numbers': parameter 'count' expects integer (32-bit), got \"abc\".")]
    [InlineData(new[] { "add-numbers", "--count=abc" }, "error FLOWS2001: flow 'add-numbers': parameter 'count' expects integer (32-bit), got \"abc\".")]
    [InlineData(new[] { "add-numbers", "--param", "count=abc" }, "error FLOWS2001: flow 'add-numbers': parameter 'count' expects integer (32-bit), got \"abc\".")]
    [InlineData(new[] { "add-numbers" }, "error FLOWS2001: flow 'add-numbers': missing required parameter 'count' (integer (32-bit)).")]
    public async Task Bad_parameters_are_one_line_naming_flow_parameter_and_type_with_exit_code_2(string[] args, string expected)
    {
        var (code, _, error) = await Run(args);

        Assert.Equal(2, code);
        Assert.Equal(expected, error.TrimEnd());
    }

    [Fact]
    public async Task An_unknown_flow_is_exit_code_2_and_lists_the_flows()
    {
        var (code, _, error) = await Run("nope");

        Assert.Equal(2, code);
        Assert.StartsWith("error FLOWS2004: unknown flow 'nope'", error, StringComparison.Ordinal);
        Assert.Contains("greet", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task A_failing_flow_is_exit_code_1()
    {
        var (code, _, _) = await Run("explode");

        Assert.Equal(1, code);
    }

    [Fact]
    public async Task Numbers_are_read_as_json_and_strings_as_given()
    {
        var capture = new FlowLogCapture();
        int code;
        using (FlowLogging.Capture(capture))
        {
            (code, _, _) = await Run("greet", "--name", "42");
        }

        Assert.Equal(0, code);
        Assert.Contains(capture.Records, r => r.Message == "Hello, 42!");
        Assert.Equal(0, (await Run("add-numbers", "--count", "41", "--step=1")).Code);
    }

    [Fact]
    public async Task Help_and_list_show_the_flows()
    {
        var (code, output, _) = await Run("--help");
        var (listCode, list, _) = await Run("--list");

        Assert.Equal(0, code);
        Assert.Contains("add-numbers", output, StringComparison.Ordinal);
        Assert.Equal(0, listCode);
        Assert.Contains("greet\tSampleFlows.cs:", list, StringComparison.Ordinal);
    }
}
