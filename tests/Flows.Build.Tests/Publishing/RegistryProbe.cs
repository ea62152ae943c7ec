using System.Net.Http.Headers;
using System.Text;

namespace Flows.Build.Tests.Publishing;

/// <summary>Asks a registry directly (raw HTTP, not the code under test) what it holds.</summary>
internal static class RegistryProbe
{
    public static async Task<string?> ManifestDigestAsync(string registry, string repository, string reference, string? password = null)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Head, $"http://{registry}/v2/{repository}/manifests/{reference}");
        request.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        request.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
        if (password is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:" + password)));
        }

        using var response = await http.SendAsync(request);
        return response.IsSuccessStatusCode ? response.Headers.GetValues("Docker-Content-Digest").Single() : null;
    }

    public static async Task<int> StatusOfRepositoryAsync(string registry, string repository)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync($"http://{registry}/v2/{repository}/tags/list");
        return (int)response.StatusCode;
    }
}
