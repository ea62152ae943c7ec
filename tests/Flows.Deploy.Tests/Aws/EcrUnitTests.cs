using Flows.Deploy.Aws;
using Flows.Deploy.Publishing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flows.Deploy.Tests.Aws;

public sealed class EcrRegistryHostTests
{
    [Theory]
    [InlineData("123456789012.dkr.ecr.eu-west-1.amazonaws.com", "123456789012", "eu-west-1", false, false, "https://api.ecr.eu-west-1.amazonaws.com/")]
    [InlineData("123456789012.dkr.ecr.us-east-1.amazonaws.com:443", "123456789012", "us-east-1", false, false, "https://api.ecr.us-east-1.amazonaws.com/")]
    [InlineData("123456789012.DKR.ECR.us-east-1.AMAZONAWS.com", "123456789012", "us-east-1", false, false, "https://api.ecr.us-east-1.amazonaws.com/")]
    [InlineData("210987654321.dkr.ecr.cn-north-1.amazonaws.com.cn", "210987654321", "cn-north-1", false, true, "https://api.ecr.cn-north-1.amazonaws.com.cn/")]
    [InlineData("123456789012.dkr-ecr.ap-southeast-2.on.aws", "123456789012", "ap-southeast-2", true, false, "https://ecr.ap-southeast-2.api.aws/")]
    [InlineData("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", "123456789012", "us-gov-west-1", false, false, "https://ecr-fips.us-gov-west-1.amazonaws.com/")]
    public void ECR_hosts_are_recognised_with_account_region_and_API_endpoint(string registry, string account, string region, bool dualStack, bool china, string api)
    {
        var host = EcrRegistryHost.TryParse(registry);
        Assert.NotNull(host);
        Assert.Equal(account, host.AccountId);
        Assert.Equal(region, host.Region);
        Assert.Equal(dualStack, host.DualStack);
        Assert.Equal(china, host.China);
        Assert.Equal(api, host.ApiEndpoint(_ => null).ToString());
    }

    [Theory]
    [InlineData("localhost:5001")]
    [InlineData("12345678901.dkr.ecr.us-east-1.amazonaws.com")] // 11 digits
    [InlineData("1234567890123.dkr.ecr.us-east-1.amazonaws.com")] // 13 digits
    [InlineData("123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example")]
    [InlineData("public.ecr.aws")]
    [InlineData("123456789012.dkr.ecr.us-east-1.on.aws")] // dual-stack is dkr-ecr
    [InlineData("ghcr.io")]
    public void Other_hosts_are_not_ECR(string registry) => Assert.Null(EcrRegistryHost.TryParse(registry));

    [Fact]
    public void The_API_endpoint_follows_AWS_ENDPOINT_URL_ECR_then_AWS_ENDPOINT_URL()
    {
        var host = EcrRegistryHost.TryParse("123456789012.dkr.ecr.eu-west-1.amazonaws.com")!;
        var both = new Dictionary<string, string> { ["AWS_ENDPOINT_URL_ECR"] = "http://127.0.0.1:1234", ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9999" };
        Assert.Equal("http://127.0.0.1:1234/", host.ApiEndpoint(both.GetValueOrDefault).ToString());
        both.Remove("AWS_ENDPOINT_URL_ECR");
        Assert.Equal("http://127.0.0.1:9999/", host.ApiEndpoint(both.GetValueOrDefault).ToString());
        var bad = Assert.Throws<AwsException>(() => host.ApiEndpoint(v => v == "AWS_ENDPOINT_URL_ECR" ? "not a url" : null));
        Assert.Equal(AwsException.BadConfiguration, bad.Kind);
    }
}

public sealed class EcrTokenCacheTests
{
    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void A_token_is_reused_until_half_its_lifetime_then_not()
    {
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var time = new ManualTime(start);
        var cache = new EcrTokenCache(time);
        cache.Set("k", new EcrAuthorization("AWS", "pw", start.AddHours(12), null), start);
        time.Now = start.AddHours(5).AddMinutes(59);
        Assert.Equal("pw", cache.TryGet("k")?.Password);
        time.Now = start.AddHours(6);
        Assert.Null(cache.TryGet("k"));
        cache.Set("k", new EcrAuthorization("AWS", "pw2", start.AddHours(18), start.AddHours(6).ToString("O")), start.AddHours(6));
        Assert.Equal("pw2", cache.TryGet("k")?.Password);
        cache.Invalidate("k");
        Assert.Null(cache.TryGet("k"));
        Assert.DoesNotContain("pw", new EcrAuthorization("AWS", "pw", start, null).ToString(), StringComparison.Ordinal);
    }
}
