using Flows.Cli.Output;

namespace Flows.Cli.Tests;

/// <summary>The UI root the commands infer from the API URL, as Prefect's default_ui_url does, and the run link's shape.</summary>
public sealed class UiLinksTests
{
    [Theory]
    [InlineData("http://127.0.0.1:4200/api", "http://127.0.0.1:4200")]
    [InlineData("http://127.0.0.1:4200/api/", "http://127.0.0.1:4200")]
    [InlineData("https://prefect.example.com/base/api", "https://prefect.example.com/base")]
    [InlineData("https://api.prefect.cloud/api/accounts/a1/workspaces/w2", "https://app.prefect.cloud/account/a1/workspace/w2")]
    public void Ui_url_is_inferred_from_the_api_url(string apiUrl, string expected)
        => Assert.Equal(expected, UiLinks.UiUrl(apiUrl, _ => null));

    [Fact]
    public void Prefect_ui_url_wins_when_set()
        => Assert.Equal("https://ui.example.com", UiLinks.UiUrl("http://127.0.0.1:4200/api", name => name == "PREFECT_UI_URL" ? "https://ui.example.com/" : null));

    [Fact]
    public void A_run_link_is_prefects_runs_flow_run_path()
    {
        var id = Guid.NewGuid();
        Assert.Equal($"http://127.0.0.1:4200/runs/flow-run/{id}", UiLinks.FlowRun("http://127.0.0.1:4200", id));
    }
}
