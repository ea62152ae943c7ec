using System.Text.Json.Nodes;

namespace Flows.Kubernetes.Fake;

/// <summary>
/// The API server's storage path for every write, whoever makes it (an HTTP client or the job controller):
/// schema → namespace exists → generateName → defaulting → validation → quota → AlreadyExists → store.
/// Garbage collection of dependents happens here too, driven by the delete's propagation policy.
/// </summary>
internal sealed class Cluster
{
    private readonly List<QuotaRule> _quotas = [];

    public Cluster(ObjectStore store, FakeClock clock, PodLogs logs)
    {
        Store = store;
        Clock = clock;
        Logs = logs;
    }

    public ObjectStore Store { get; }

    public FakeClock Clock { get; }

    public PodLogs Logs { get; }

    /// <summary>Called after a Job is stored (the controller creates its pods), or after a pod changes.</summary>
    public Action<JsonObject>? JobCreated { get; set; }

    /// <summary>Called (under the store's lock) after a pod is stored: the node mode starts its container.</summary>
    public Action<JsonObject>? PodCreated { get; set; }

    /// <summary>Called (under the store's lock) after a pod is removed: the node mode removes its container.</summary>
    public Action<JsonObject>? PodDeleted { get; set; }

    public void AddQuota(QuotaRule rule)
    {
        lock (Store.Gate)
        {
            _quotas.Add(rule);
        }
    }

    public JsonObject Create(ResourceKind kind, string? @namespace, JsonObject body)
    {
        lock (Store.Gate)
        {
            var obj = (JsonObject)body.DeepClone();
            CheckTypeAndNamespace(kind, @namespace, obj);
            var schemaCauses = SchemaValidator.Validate(kind, obj);
            if (schemaCauses.Count > 0)
            {
                throw StatusException.Invalid(kind, obj.Name() ?? obj["metadata"].String("generateName") ?? "", schemaCauses);
            }

            if (kind.Namespaced && !Store.Exists(ResourceKind.Namespaces, null, @namespace!))
            {
                throw StatusException.NamespaceNotFound(@namespace!);
            }

            var metadata = obj.Metadata();
            if (string.IsNullOrEmpty(obj.Name()))
            {
                var generateName = metadata.String("generateName");
                if (string.IsNullOrEmpty(generateName))
                {
                    throw StatusException.Invalid(kind, "", [new FieldCause("metadata.name", "FieldValueRequired", "Required value: name or generateName is required")]);
                }

                // As apiserver's SimpleNameGenerator: the base is cut to 58 so the name stays within 63.
                metadata["name"] = (generateName.Length > 58 ? generateName[..58] : generateName) + ObjectMeta.RandomSuffix();
            }

            var name = obj.Name()!;
            if (kind.Namespaced)
            {
                metadata["namespace"] = @namespace;
            }

            metadata["uid"] = Guid.NewGuid().ToString();
            metadata["creationTimestamp"] = Clock.Timestamp();
            metadata.Remove("resourceVersion");
            metadata.Remove("deletionTimestamp");
            Defaulting.Apply(kind, obj);
            if (kind == ResourceKind.Secrets)
            {
                Rbac.TokenAuthenticator.FillTokenSecret(Store, @namespace!, obj);
            }

            if (kind == ResourceKind.Jobs)
            {
                Defaulting.JobLabels(obj);
            }

            var causes = ObjectValidation.Validate(kind, obj);
            if (causes.Count > 0)
            {
                throw StatusException.Invalid(kind, name, causes);
            }

            var quota = _quotas.FirstOrDefault(q => q.Namespace == @namespace && q.Resource == kind.Plural);
            if (quota is not null)
            {
                var counted = kind == ResourceKind.Pods ? "pods" : $"count/{kind.QualifiedResource}";
                throw Forbidden(kind, name, $"exceeded quota: {quota.QuotaName}, requested: {counted}=1, used: {counted}={quota.Limit}, limited: {counted}={quota.Limit}");
            }

            if (Store.Exists(kind, @namespace, name))
            {
                throw StatusException.AlreadyExists(kind, name);
            }

            SelfCheck(kind, obj);
            var stored = Store.Add(kind, @namespace, obj);
            if (kind == ResourceKind.Jobs)
            {
                JobCreated?.Invoke(stored);
            }
            else if (kind == ResourceKind.Pods)
            {
                PodCreated?.Invoke(stored);
            }

            return stored;
        }
    }

    /// <summary>PUT: the whole object; a stale metadata.resourceVersion is a 409 Conflict, as optimistic concurrency demands.</summary>
    public JsonObject Replace(ResourceKind kind, string? @namespace, string name, JsonObject body, bool checkResourceVersion = true)
    {
        lock (Store.Gate)
        {
            var current = Store.Get(kind, @namespace, name) ?? throw StatusException.NotFound(kind, name);
            var obj = (JsonObject)body.DeepClone();
            CheckTypeAndNamespace(kind, @namespace, obj);
            if (obj.Name() != name)
            {
                throw StatusException.BadRequest($"the name of the object ({obj.Name()}) does not match the name on the URL ({name})");
            }

            var sent = obj["metadata"].String("resourceVersion");
            if (checkResourceVersion && !string.IsNullOrEmpty(sent) && sent != current["metadata"].String("resourceVersion"))
            {
                throw StatusException.Conflict(kind, name);
            }

            var schemaCauses = SchemaValidator.Validate(kind, obj);
            if (schemaCauses.Count > 0)
            {
                throw StatusException.Invalid(kind, name, schemaCauses);
            }

            // System fields are the server's: a client cannot change them by sending others.
            var metadata = obj.Metadata();
            foreach (var field in new[] { "uid", "creationTimestamp", "namespace", "generation", "deletionTimestamp" })
            {
                metadata[field] = current["metadata"]?[field]?.DeepClone();
                if (metadata[field] is null)
                {
                    metadata.Remove(field);
                }
            }

            if (kind.Namespaced)
            {
                metadata["namespace"] = @namespace;
            }

            // Kinds with a status subresource ignore status on the main resource: PUT/PATCH there cannot change it.
            if (kind == ResourceKind.Jobs || kind == ResourceKind.Pods || kind == ResourceKind.Namespaces)
            {
                obj["status"] = current["status"]?.DeepClone();
                if (obj["status"] is null)
                {
                    obj.Remove("status");
                }
            }

            if (kind == ResourceKind.Secrets)
            {
                Defaulting.Apply(kind, obj);
            }

            if (kind == ResourceKind.Jobs && !JsonNode.DeepEquals(obj["spec"], current["spec"]))
            {
                metadata["generation"] = (current["metadata"].Number("generation") ?? 1) + 1;
            }

            var causes = ObjectValidation.Validate(kind, obj);
            if (causes.Count > 0)
            {
                throw StatusException.Invalid(kind, name, causes);
            }

            SelfCheck(kind, obj);
            return Store.Update(kind, @namespace, obj, current);
        }
    }

    /// <summary>A change made by the fake itself (controller, status): no admission, but still schema-checked.</summary>
    public JsonObject Mutate(ResourceKind kind, string? @namespace, string name, Action<JsonObject> change)
    {
        lock (Store.Gate)
        {
            var current = Store.Get(kind, @namespace, name) ?? throw StatusException.NotFound(kind, name);
            var obj = (JsonObject)current.DeepClone();
            change(obj);
            SelfCheck(kind, obj);
            return Store.Update(kind, @namespace, obj, current);
        }
    }

    /// <summary>
    /// DELETE with the garbage collector's semantics. Orphan: dependents lose their ownerReference. Background: the
    /// owner goes, then its dependents. Foreground: the owner is marked (deletionTimestamp, foregroundDeletion
    /// finalizer), its dependents go, then it does. Returns the marked object for Foreground, null when gone at once.
    /// </summary>
    public JsonObject? Delete(ResourceKind kind, string? @namespace, string name, string propagation)
    {
        lock (Store.Gate)
        {
            var current = Store.Get(kind, @namespace, name) ?? throw StatusException.NotFound(kind, name);
            if (kind == ResourceKind.Namespaces)
            {
                return DeleteNamespace(current);
            }

            var uid = current.Uid()!;
            switch (propagation)
            {
                case "Orphan":
                    foreach (var (depKind, dependent) in Dependents(@namespace, uid))
                    {
                        Mutate(depKind, @namespace, dependent.Name()!, d =>
                        {
                            var refs = (JsonArray)d["metadata"]!["ownerReferences"]!;
                            foreach (var owned in refs.Where(r => r.String("uid") == uid).ToList())
                            {
                                refs.Remove(owned);
                            }

                            if (refs.Count == 0)
                            {
                                d.Metadata().Remove("ownerReferences");
                            }
                        });
                    }

                    Remove(kind, @namespace, current);
                    return null;
                case "Foreground":
                    var marked = Mutate(kind, @namespace, name, o =>
                    {
                        o.Metadata()["deletionTimestamp"] = Clock.Timestamp();
                        o.Metadata()["deletionGracePeriodSeconds"] = 0;
                        o.Metadata().ChildArray("finalizers").Add("foregroundDeletion");
                    });
                    foreach (var (depKind, dependent) in Dependents(@namespace, uid))
                    {
                        Delete(depKind, @namespace, dependent.Name()!, "Foreground");
                    }

                    Remove(kind, @namespace, Store.Get(kind, @namespace, name)!);
                    return marked;
                case "Background":
                    Remove(kind, @namespace, current);
                    foreach (var (depKind, dependent) in Dependents(@namespace, uid))
                    {
                        Delete(depKind, @namespace, dependent.Name()!, "Background");
                    }

                    return null;
                default:
                    throw StatusException.BadRequest($"propagationPolicy: Unsupported value: \"{propagation}\": supported values: \"Foreground\", \"Background\", \"Orphan\"");
            }
        }
    }

    /// <summary>What DELETE does when the client names no policy: batch/v1 Jobs orphan their pods (the README's trap).</summary>
    public static string DefaultPropagation(ResourceKind kind) => kind == ResourceKind.Jobs ? "Orphan" : "Background";

    public static StatusException Forbidden(ResourceKind kind, string? name, string why)
    {
        var details = new JsonObject();
        if (name is not null)
        {
            details["name"] = name;
        }

        if (kind.Group.Length > 0)
        {
            details["group"] = kind.Group;
        }

        details["kind"] = kind.Plural;
        var subject = name is null ? kind.QualifiedResource : $"{kind.QualifiedResource} \"{name}\"";
        return new StatusException(403, "Forbidden", $"{subject} is forbidden: {why}", details);
    }

    private JsonObject DeleteNamespace(JsonObject ns)
    {
        var name = ns.Name()!;
        var terminating = Mutate(ResourceKind.Namespaces, null, name, o =>
        {
            o.Metadata()["deletionTimestamp"] = Clock.Timestamp();
            o.Child("status")["phase"] = "Terminating";
        });
        foreach (var kind in ResourceKind.All.Where(k => k.Namespaced))
        {
            foreach (var obj in Store.List(kind, name, LabelSelector.Everything, FieldSelector.Parse(null)).Items)
            {
                if (Store.Exists(kind, name, obj.Name()!))
                {
                    Remove(kind, name, obj);
                }
            }
        }

        Remove(ResourceKind.Namespaces, null, Store.Get(ResourceKind.Namespaces, null, name)!);
        return terminating;
    }

    private void Remove(ResourceKind kind, string? @namespace, JsonObject obj)
    {
        Store.Remove(kind, @namespace, obj);
        if (kind == ResourceKind.Pods)
        {
            // A follower of this pod's log ends when the pod goes.
            Logs.Pulse();
            PodDeleted?.Invoke(obj);
        }
    }

    private IEnumerable<(ResourceKind Kind, JsonObject Object)> Dependents(string? @namespace, string ownerUid) =>
        ResourceKind.All.Where(k => k.Namespaced && @namespace is not null)
            .SelectMany(k => Store.Find(k, @namespace, o => o.IsOwnedBy(ownerUid)).Select(o => (k, o)))
            .ToList();

    private static void CheckTypeAndNamespace(ResourceKind kind, string? @namespace, JsonObject obj)
    {
        var apiVersion = obj.String("apiVersion");
        var objKind = obj.String("kind");
        if ((apiVersion is not null && apiVersion != kind.ApiVersion) || (objKind is not null && objKind != kind.Kind))
        {
            throw StatusException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({kind.ApiVersion})");
        }

        obj["apiVersion"] = kind.ApiVersion;
        obj["kind"] = kind.Kind;
        var sentNamespace = obj["metadata"].String("namespace");
        if (kind.Namespaced && !string.IsNullOrEmpty(sentNamespace) && sentNamespace != @namespace)
        {
            throw StatusException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
    }

    // What the fake itself stores must match the schema too: a failure here is a bug in the fake, not the client's.
    private static void SelfCheck(ResourceKind kind, JsonObject obj)
    {
        var causes = SchemaValidator.Validate(kind, obj);
        if (causes.Count > 0)
        {
            throw new InvalidOperationException($"the fake built an invalid {kind.Kind}: {string.Join("; ", causes)}");
        }
    }
}
