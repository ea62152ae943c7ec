using System.Text.RegularExpressions;

namespace Flows.Deploy.Aws;

/// <summary>
/// An Amazon ECR private registry host: <c>&lt;12-digit account&gt;.dkr.ecr.&lt;region&gt;.amazonaws.com</c> (<c>.amazonaws.com.cn</c> in
/// China), its FIPS form <c>dkr.ecr-fips</c>, and the dual-stack (IPv4+IPv6) form <c>&lt;account&gt;.dkr-ecr.&lt;region&gt;.on.aws</c>.
/// </summary>
public sealed partial record EcrRegistryHost(string Host, string AccountId, string Region, bool DualStack, bool Fips, bool China)
{
    [GeneratedRegex(@"^(?<account>[0-9]{12})\.dkr\.(?<ecr>ecr|ecr-fips)\.(?<region>[a-z0-9-]+)\.amazonaws\.com(?<cn>\.cn)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Classic();

    [GeneratedRegex(@"^(?<account>[0-9]{12})\.dkr-(?<ecr>ecr|ecr-fips)\.(?<region>[a-z0-9-]+)\.on\.aws$", RegexOptions.CultureInvariant)]
    private static partial Regex DualStackHost();

    /// <summary>Null when <paramref name="registry"/> (host, optionally with a port) is not an ECR registry.</summary>
    public static EcrRegistryHost? TryParse(string registry)
    {
        var host = registry.Trim().ToLowerInvariant();
        var colon = host.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            host = host[..colon];
        }

        if (Classic().Match(host) is { Success: true } m)
        {
            return new EcrRegistryHost(host, m.Groups["account"].Value, m.Groups["region"].Value, false, m.Groups["ecr"].Value == "ecr-fips", m.Groups["cn"].Success);
        }

        return DualStackHost().Match(host) is { Success: true } d
            ? new EcrRegistryHost(host, d.Groups["account"].Value, d.Groups["region"].Value, true, d.Groups["ecr"].Value == "ecr-fips", false)
            : null;
    }

    /// <summary>The ECR API endpoint for this registry's region (the service's own endpoint naming), unless
    /// <c>AWS_ENDPOINT_URL_ECR</c> or <c>AWS_ENDPOINT_URL</c> overrides it (AWS's standard variables).</summary>
    public Uri ApiEndpoint(Func<string, string?> environment) =>
        AwsEndpoints.Override(environment, "ECR") ?? new Uri(DualStack
            ? $"https://ecr{(Fips ? "-fips" : "")}.{Region}.api.aws/"
            : $"https://{(Fips ? "ecr-fips" : "api.ecr")}.{Region}.amazonaws.com{(China ? ".cn" : "")}/");
}

/// <summary>AWS's service-specific endpoint variables: <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c>, then <c>AWS_ENDPOINT_URL</c>.</summary>
public static class AwsEndpoints
{
    public static Uri? Override(Func<string, string?> environment, string serviceId)
    {
        var text = environment("AWS_ENDPOINT_URL_" + serviceId) is { Length: > 0 } specific ? specific : environment("AWS_ENDPOINT_URL");
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return Uri.TryCreate(text.Trim().TrimEnd('/') + "/", UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new AwsException(AwsException.BadConfiguration, $"the AWS endpoint override '{text}' (AWS_ENDPOINT_URL_{serviceId} or AWS_ENDPOINT_URL) is not an http(s) URL",
                $"Set AWS_ENDPOINT_URL_{serviceId} to a URL such as https://api.ecr.eu-west-1.amazonaws.com, or unset it.");
    }
}
