using System.Text.RegularExpressions;

namespace Flows.Kubernetes.Fake;

/// <summary>
/// The name and label rules only an API server enforces (strict schemas cannot express them), with the real
/// server's messages (k8s.io/apimachinery/pkg/util/validation), so clients can be tested against the real text.
/// </summary>
public static partial class NameRules
{
    public const string Dns1123SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    public const string Dns1123LabelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

    public const string LabelValueMessage =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

    public const string QualifiedNamePartMessage =
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

    /// <summary>The problems with an object name (empty when valid): RFC 1123 subdomain (≤ 253) or label (≤ 63).</summary>
    public static IEnumerable<string> NameProblems(string name, bool mustBeLabel)
    {
        if (mustBeLabel)
        {
            if (name.Length > 63)
            {
                yield return "must be no more than 63 characters";
            }

            if (!Dns1123Label().IsMatch(name))
            {
                yield return Dns1123LabelMessage;
            }

            yield break;
        }

        if (name.Length > 253)
        {
            yield return "must be no more than 253 characters";
        }

        if (!Dns1123Subdomain().IsMatch(name))
        {
            yield return Dns1123SubdomainMessage;
        }
    }

    /// <summary>Causes for a label map at <paramref name="field"/> ("metadata.labels"): keys are qualified names, values ≤ 63.</summary>
    public static IEnumerable<FieldCause> LabelCauses(string field, IEnumerable<KeyValuePair<string, string>> labels)
    {
        foreach (var (key, value) in labels)
        {
            foreach (var problem in QualifiedNameProblems(key))
            {
                yield return FieldCause.InvalidValue(field, key, problem);
            }

            if (value.Length > 63)
            {
                yield return FieldCause.InvalidValue(field, value, "must be no more than 63 characters");
            }

            if (!LabelValue().IsMatch(value))
            {
                yield return FieldCause.InvalidValue(field, value, LabelValueMessage);
            }
        }
    }

    private static IEnumerable<string> QualifiedNameProblems(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var namePart = slash < 0 ? key : key[(slash + 1)..];
        if (slash >= 0)
        {
            var prefix = key[..slash];
            foreach (var problem in NameProblems(prefix, mustBeLabel: false))
            {
                yield return "prefix part " + problem;
            }
        }

        if (namePart.Length == 0)
        {
            yield return "name part must be non-empty";
        }
        else
        {
            if (namePart.Length > 63)
            {
                yield return "name part must be no more than 63 characters";
            }

            if (!QualifiedNamePart().IsMatch(namePart))
            {
                yield return QualifiedNamePartMessage;
            }
        }
    }

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedNamePart();
}
