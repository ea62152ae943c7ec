using System.Net;
using Flows.Api.Models;

namespace Flows.Cli.Tests;

/// <summary>Follows a URL a command printed, as a browser would, and checks it lands on the run's page of our UI.</summary>
internal static class UiPageAssert
{
    public static async Task IsRunPageAsync(string url, FlowRun run)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = true });
        using var response = await http.GetAsync(new Uri(url));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url} answered {(int)response.StatusCode}: {body}");
        Assert.Equal($"/runs/{run.Id}", response.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Contains("id=\"run-state\"", body, StringComparison.Ordinal);
        Assert.Contains(run.Name ?? throw new InvalidOperationException("the run has no name"), body, StringComparison.Ordinal);
    }
}
