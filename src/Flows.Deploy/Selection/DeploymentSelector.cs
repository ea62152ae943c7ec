using Flows.Deploy.Diagnostics;

namespace Flows.Deploy.Selection;

/// <summary>A deployment as selection sees it: the flow's declared name and the deployment's name.</summary>

/// <summary>
/// <c>-n PATTERN</c> selection (reference/prefect/conformance/name-matching.json): the part before '/' matches the
/// flow's declared name with '-' and '_' equivalent; '*' matches any run within its part; a qualified pattern never
/// selects another flow's deployments; a pattern that selects nothing is an error naming it.
/// </summary>
public static class DeploymentSelector
{
    /// <summary>The deployments any pattern selects, in file order, each once.</summary>
    public static IReadOnlyList<T> Select<T>(IReadOnlyList<T> deployments, Func<T, DeploymentKey> key, IReadOnlyList<string> patterns)
    {
        var selected = new bool[deployments.Count];
        var errors = new List<DeployDiagnostic>();
        foreach (var pattern in patterns)
        {
            var any = false;
            for (var i = 0; i < deployments.Count; i++)
            {
                if (Matches(key(deployments[i]), pattern))
                {
                    selected[i] = any = true;
                }
            }

            if (!any)
            {
                errors.Add(new DeployDiagnostic(DiagnosticCodes.NoDeploymentMatches, true, $"no deployment matches '{pattern}'",
                    $"Known deployments: {string.Join(", ", deployments.Select(d => key(d).ToString()))}."));
            }
        }

        return errors.Count > 0 ? throw new DeployException(errors) : deployments.Where((_, i) => selected[i]).ToList();
    }

    public static bool Matches(DeploymentKey deployment, string pattern)
    {
        var slash = pattern.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return Glob(deployment.Name, pattern);
        }

        return Glob(NormalizeFlow(deployment.Flow), NormalizeFlow(pattern[..slash])) && Glob(deployment.Name, pattern[(slash + 1)..]);
    }

    private static string NormalizeFlow(string name) => name.Replace('-', '_');

    // Iterative '*' matching: linear-ish, no regex, no backtracking blow-up on hostile patterns.
    private static bool Glob(string text, string pattern)
    {
        int t = 0, p = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (p < pattern.Length && pattern[p] == text[t])
            {
                p++;
                t++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
