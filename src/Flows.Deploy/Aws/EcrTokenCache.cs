using System.Collections.Concurrent;

namespace Flows.Deploy.Aws;

/// <summary>
/// ECR registry tokens kept in memory only (never on disk), per registry, API endpoint and AWS identity, and reused until
/// half their lifetime has passed (6 of ECR's 12 hours), so a build's two publish phases, and several projects built by
/// one MSBuild process, ask ECR once.
/// </summary>
public sealed class EcrTokenCache(TimeProvider? time = null)
{
    private readonly ConcurrentDictionary<string, (EcrAuthorization Token, DateTimeOffset FetchedAt)> _tokens = new(StringComparer.Ordinal);

    /// <summary>The process-wide cache the publish path uses.</summary>
    public static EcrTokenCache Shared { get; } = new();

    public TimeProvider Time { get; } = time ?? TimeProvider.System;

    public EcrAuthorization? TryGet(string key)
    {
        if (!_tokens.TryGetValue(key, out var entry))
        {
            return null;
        }

        var halfLife = entry.FetchedAt + (entry.Token.ExpiresAt - entry.FetchedAt) / 2;
        return Time.GetUtcNow() < halfLife ? entry.Token : null;
    }

    public void Set(string key, EcrAuthorization token, DateTimeOffset fetchedAt) => _tokens[key] = (token, fetchedAt);

    public void Invalidate(string key) => _tokens.TryRemove(key, out _);
}
