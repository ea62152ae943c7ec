using System.Net;
using System.Net.Http.Headers;
using Flows.Deploy.Publishing;

namespace Flows.Deploy.Tests.Publishing;

/// <summary>A registry's Basic credential goes only to its own host's token realm (or an allowed one), never over plain
/// http to a host that is not loopback: the realm is whatever the registry's challenge names.</summary>
public sealed class CredentialDestinationTests
{
    private static readonly RegistryCredential Credential = new("robot", "s3cret");

    /// <summary>A registry answering 401 with a Bearer challenge naming <paramref name="realm"/>; a token service answering
    /// at any host; records each request's URL and whether it carried the credential.</summary>
    private sealed class ChallengingRegistry(string realm) : HttpMessageHandler
    {
        public List<(Uri Uri, bool Basic)> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add((request.RequestUri!, request.Headers.Authorization?.Scheme == "Basic"));
            if (request.RequestUri!.AbsolutePath.StartsWith("/v2/", StringComparison.Ordinal))
            {
                if (request.Headers.Authorization?.Scheme == "Bearer")
                {
                    var found = new HttpResponseMessage(HttpStatusCode.OK);
                    found.Headers.Add("Docker-Content-Digest", "sha256:" + new string('a', 64));
                    return Task.FromResult(found);
                }

                var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized);
                challenge.Headers.WwwAuthenticate.Add(new AuthenticationHeaderValue("Bearer", $"realm=\"{realm}\",service=\"registry\""));
                return Task.FromResult(challenge);
            }

            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"token":"t"}""") });
        }
    }

    private static async Task<(ChallengingRegistry Handler, Exception? Error)> HeadAsync(string registry, string realm, Dictionary<string, string?>? environment = null)
    {
        var handler = new ChallengingRegistry(realm);
        using var client = new OciRegistryClient(registry, Credential, handler, name => environment?.GetValueOrDefault(name));
        var error = await Record.ExceptionAsync(() => client.HeadManifestAsync("team/app", "v1"));
        return (handler, error);
    }

    [Theory]
    [InlineData("registry.example", "https://registry.example/token")]
    [InlineData("registry.example:8443", "https://registry.example/token")]
    [InlineData("localhost:5000", "http://localhost:5000/token")]
    [InlineData("registry-1.docker.io", "https://auth.docker.io/token")]
    public async Task The_credential_goes_to_a_realm_on_the_registrys_own_host(string registry, string realm)
    {
        var (handler, error) = await HeadAsync(registry, realm);
        Assert.Null(error);
        Assert.Contains(handler.Requests, r => r.Uri.Host == new Uri(realm).Host && r.Uri.AbsolutePath == "/token" && r.Basic);
    }

    [Fact]
    public async Task A_realm_on_another_host_gets_nothing_and_the_error_says_how_to_allow_it()
    {
        var (handler, error) = await HeadAsync("registry.example", "https://collector.example/token");
        var refused = Assert.IsType<RegistryException>(error);
        Assert.Equal(PublishDiagnosticCodes.CredentialDestinationRefused, refused.Code);
        Assert.Contains("FLOWS_REGISTRY_TOKEN_REALMS=collector.example", refused.Fix, StringComparison.Ordinal);
        Assert.DoesNotContain(handler.Requests, r => r.Uri.Host == "collector.example");

        var (allowed, none) = await HeadAsync("registry.example", "https://collector.example/token", new() { ["FLOWS_REGISTRY_TOKEN_REALMS"] = "other.example; collector.example" });
        Assert.Null(none);
        Assert.Contains(allowed.Requests, r => r.Uri.Host == "collector.example" && r.Basic);
    }

    [Fact]
    public async Task A_plain_http_realm_on_a_host_that_is_not_loopback_gets_nothing_even_when_allowed()
    {
        var (handler, error) = await HeadAsync("registry.example", "http://registry.example/token", new() { ["FLOWS_REGISTRY_TOKEN_REALMS"] = "registry.example" });
        Assert.Equal(PublishDiagnosticCodes.CredentialDestinationRefused, Assert.IsType<RegistryException>(error).Code);
        Assert.DoesNotContain(handler.Requests, r => r.Basic);
    }

    [Fact]
    public async Task Basic_auth_to_an_insecure_registry_that_is_not_loopback_is_refused()
    {
        var handler = new BasicRegistry();
        using var client = new OciRegistryClient("10.1.2.3:5000", Credential, handler, name => name == "DOTNET_CONTAINER_INSECURE_REGISTRIES" ? "10.1.2.3:5000" : null);
        var error = await Record.ExceptionAsync(() => client.HeadManifestAsync("team/app", "v1"));
        Assert.Equal(PublishDiagnosticCodes.CredentialDestinationRefused, Assert.IsType<RegistryException>(error).Code);
        Assert.DoesNotContain(handler.Requests, r => r.Basic);
    }

    private sealed class BasicRegistry : HttpMessageHandler
    {
        public List<(Uri Uri, bool Basic)> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add((request.RequestUri!, request.Headers.Authorization is not null));
            var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized);
            challenge.Headers.WwwAuthenticate.Add(new AuthenticationHeaderValue("Basic", "realm=\"registry\""));
            return Task.FromResult(challenge);
        }
    }
}
