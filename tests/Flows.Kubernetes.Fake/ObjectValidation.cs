using System.Text.Json.Nodes;

namespace Flows.Kubernetes.Fake;

/// <summary>The API server's own validation (after defaulting): names, labels, and the Job rules schemas cannot express.</summary>
internal static class ObjectValidation
{
    public static List<FieldCause> Validate(ResourceKind kind, JsonObject obj)
    {
        var causes = new List<FieldCause>();
        var name = obj.Name() ?? "";
        foreach (var problem in NameRules.NameProblems(name, kind.NameIsLabel))
        {
            causes.Add(FieldCause.InvalidValue("metadata.name", name, problem));
        }

        causes.AddRange(NameRules.LabelCauses("metadata.labels", obj["metadata"]?["labels"].StringMap() ?? []));
        if (kind == ResourceKind.Jobs)
        {
            var template = obj["spec"]?["template"];
            // The job-name labels carry the Job's name: a name over 63 characters fails here, not on the name itself.
            causes.AddRange(NameRules.LabelCauses("spec.template.labels", template?["metadata"]?["labels"].StringMap() ?? []));
            var restartPolicy = template?["spec"].String("restartPolicy") ?? "";
            if (restartPolicy is not ("Never" or "OnFailure"))
            {
                causes.Add(new FieldCause("spec.template.spec.restartPolicy", "FieldValueNotSupported",
                    $"Unsupported value: \"{restartPolicy}\": supported values: \"OnFailure\", \"Never\""));
            }
        }
        else if (kind == ResourceKind.Pods)
        {
            var restartPolicy = obj["spec"].String("restartPolicy") ?? "";
            if (restartPolicy is not ("Always" or "Never" or "OnFailure"))
            {
                causes.Add(new FieldCause("spec.restartPolicy", "FieldValueNotSupported",
                    $"Unsupported value: \"{restartPolicy}\": supported values: \"Always\", \"OnFailure\", \"Never\""));
            }
        }

        return causes;
    }
}
