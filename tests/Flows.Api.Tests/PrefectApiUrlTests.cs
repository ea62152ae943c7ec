using Flows.Api.Client;

namespace Flows.Api.Tests;

public class PrefectApiUrlTests
{
    [Theory]
    [InlineData("http://127.0.0.1:4200/api", "http://127.0.0.1:4200/api/")]
    [InlineData("http://127.0.0.1:4200/api/", "http://127.0.0.1:4200/api/")]
    [InlineData("https://prefect.example.com/", "https://prefect.example.com/")]
    public void Normalizes_to_a_trailing_slash(string url, string expected)
        => Assert.Equal(expected, PrefectApiUrl.Parse(url).BaseAddress.ToString());

    [Fact]
    public void Recognizes_a_Prefect_Cloud_workspace_url()
    {
        var a = Guid.NewGuid();
        var w = Guid.NewGuid();
        var url = PrefectApiUrl.Parse($"https://api.prefect.cloud/api/accounts/{a}/workspaces/{w}");
        Assert.True(url.IsCloudWorkspace);
        Assert.Equal(a, url.AccountId);
        Assert.Equal(w, url.WorkspaceId);
        Assert.Equal(new Uri($"https://api.prefect.cloud/api/accounts/{a}/workspaces/{w}/flows/"), new Uri(url.BaseAddress, "flows/"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("127.0.0.1:4200/api")]
    [InlineData("ftp://host/api")]
    [InlineData("https://api.prefect.cloud/api/accounts/not-a-guid/workspaces/x")]
    [InlineData("http://host/api?x=1")]
    public void Rejects_invalid_urls_with_a_reason(string url)
    {
        var ex = Assert.Throws<ArgumentException>(() => PrefectApiUrl.Parse(url));
        Assert.Contains("PREFECT_API_URL", ex.Message);
    }

    [Fact]
    public void Options_from_environment_read_url_and_key_and_never_print_the_key()
    {
        var env = new Dictionary<string, string?> { ["PREFECT_API_URL"] = "http://127.0.0.1:4200/api", ["PREFECT_API_KEY"] = "pnu_secret" };
        var options = PrefectClientOptions.FromEnvironment(k => env.GetValueOrDefault(k))!;
        Assert.Equal("pnu_secret", options.ApiKey);
        Assert.DoesNotContain("pnu_secret", options.ToString());
        Assert.Null(PrefectClientOptions.FromEnvironment(_ => null));
    }

    [Fact]
    public void Options_read_the_key_from_PREFECT_API_KEY_FILE_when_PREFECT_API_KEY_is_unset()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "pnu_from_file\n");
            var env = new Dictionary<string, string?> { ["PREFECT_API_URL"] = "http://127.0.0.1:4200/api", ["PREFECT_API_KEY_FILE"] = file };
            Assert.Equal("pnu_from_file", PrefectClientOptions.FromEnvironment(k => env.GetValueOrDefault(k))!.ApiKey);

            env["PREFECT_API_KEY"] = "pnu_env";
            Assert.Equal("pnu_env", PrefectClientOptions.FromEnvironment(k => env.GetValueOrDefault(k))!.ApiKey);

            env["PREFECT_API_KEY"] = null;
            env["PREFECT_API_KEY_FILE"] = file + ".missing";
            var error = Assert.Throws<IOException>(() => PrefectClientOptions.FromEnvironment(k => env.GetValueOrDefault(k)));
            Assert.Contains("PREFECT_API_KEY_FILE=", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
