using System.Text;
using Flows.Deploy.Publishing;

namespace Flows.Deploy.Tests.Publishing;

public sealed class RegistryCredentialsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("flows-creds-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Push_variables_win_over_the_general_ones()
    {
        var env = new Dictionary<string, string>
        {
            ["DOTNET_CONTAINER_REGISTRY_UNAME"] = "general", ["DOTNET_CONTAINER_REGISTRY_PWORD"] = "g",
            ["DOTNET_CONTAINER_PUSH_REGISTRY_UNAME"] = "push", ["DOTNET_CONTAINER_PUSH_REGISTRY_PWORD"] = "p",
        };
        Assert.Equal(new RegistryCredential("push", "p"), RegistryCredentials.Find("localhost:5001", env.GetValueOrDefault));
    }

    [Fact]
    public void Docker_config_auths_match_on_host_in_any_key_form()
    {
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:s3cret:with:colons"));
        File.WriteAllText(Path.Combine(_dir, "config.json"), "{\"auths\": {\"https://localhost:5001/v1/\": {\"auth\": \"" + auth + "\"}}}");
        var env = new Dictionary<string, string> { ["DOCKER_CONFIG"] = _dir };
        var credential = RegistryCredentials.Find("localhost:5001", env.GetValueOrDefault);
        Assert.Equal(new RegistryCredential("AWS", "s3cret:with:colons"), credential);
        Assert.DoesNotContain("s3cret", credential!.ToString(), StringComparison.Ordinal);
        Assert.Null(RegistryCredentials.Find("localhost:5000", env.GetValueOrDefault));
    }
}
