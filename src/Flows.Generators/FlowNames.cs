using System.Text;

namespace Flows.Generators;

/// <summary>Flow names as Prefect makes them: the function name with '_' as '-'; for C#, PascalCase becomes kebab-case.</summary>
internal static class FlowNames
{
    /// <summary>
    /// <c>Hello</c> → <c>hello</c>, <c>EtlJob</c> → <c>etl-job</c>, <c>RunETLJob</c> → <c>run-etl-job</c>; an
    /// <c>Async</c> suffix of an async method is dropped (<c>LoadAsync</c> → <c>load</c>).
    /// </summary>
    public static string FromMethod(string methodName, bool isAsync)
    {
        if (isAsync && methodName.Length > 5 && methodName.EndsWith("Async", System.StringComparison.Ordinal))
        {
            methodName = methodName.Substring(0, methodName.Length - 5);
        }

        var result = new StringBuilder();
        for (var i = 0; i < methodName.Length; i++)
        {
            var c = methodName[i];
            if (c == '_')
            {
                AppendDash(result);
                continue;
            }

            if (char.IsUpper(c))
            {
                var previousLowerOrDigit = i > 0 && (char.IsLower(methodName[i - 1]) || char.IsDigit(methodName[i - 1]));
                var acronymEnds = i > 0 && char.IsUpper(methodName[i - 1]) && i + 1 < methodName.Length && char.IsLower(methodName[i + 1]);
                if (previousLowerOrDigit || acronymEnds)
                {
                    AppendDash(result);
                }

                result.Append(char.ToLowerInvariant(c));
            }
            else
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }

    /// <summary>Why a name is invalid, or null. Prefect forbids these characters in flow and deployment names.</summary>
    public static string? Invalid(string name)
    {
        if (name.Trim().Length == 0)
        {
            return "it is empty";
        }

        foreach (var c in name)
        {
            if (c is '/' or '%' or '&' or '<' or '>')
            {
                return $"it contains '{c}'";
            }
        }

        return null;
    }

    private static void AppendDash(StringBuilder builder)
    {
        if (builder.Length > 0 && builder[builder.Length - 1] != '-')
        {
            builder.Append('-');
        }
    }
}
