namespace Flows.Cli.Tests.Commands;

/// <summary><c>server start --prefect-ui</c> on the real command line (serving itself is tested in Flows.Ui.Tests).</summary>
public sealed class ServerCommandTests
{
    [Fact]
    public async Task Help_describes_prefect_ui()
    {
        var (exit, output, _) = await CliTestHelper.RunAsync("server", "start", "--help");

        Assert.Equal(0, exit);
        Assert.Contains("--prefect-ui", output, StringComparison.Ordinal);
        Assert.Contains("/prefect-ui", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_prefect_ui_folder_without_index_html_is_bad_input_before_anything_starts()
    {
        var folder = Directory.CreateTempSubdirectory("not-prefect-ui-").FullName;
        try
        {
            var (exit, _, err) = await CliTestHelper.RunAsync("server", "start", "--port", "0", "--prefect-ui", folder);

            Assert.Equal(2, exit);
            Assert.Contains("is not a build of Prefect's UI (no index.html)", err, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Allow_unauthenticated_without_keys_warns_loudly_before_serving()
    {
        var folder = Directory.CreateTempSubdirectory("not-prefect-ui-").FullName;
        try
        {
            // The bad --prefect-ui folder stops the command right after the options are read, so nothing binds 0.0.0.0.
            var (_, _, err) = await CliTestHelper.RunAsync("server", "start", "--host", "0.0.0.0", "--port", "0", "--allow-unauthenticated", "--prefect-ui", folder);

            Assert.Contains("warning FLOWS3008", err, StringComparison.Ordinal);
            Assert.Contains("WITHOUT API keys", err, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Help_describes_allowed_host()
    {
        var (_, output, _) = await CliTestHelper.RunAsync("server", "start", "--help");

        Assert.Contains("--allowed-host", output, StringComparison.Ordinal);
    }
}
