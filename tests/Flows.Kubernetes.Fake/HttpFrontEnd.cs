using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Flows.Kubernetes.Fake.Rbac;
using Microsoft.AspNetCore.Http;

namespace Flows.Kubernetes.Fake;

/// <summary>
/// The REST surface: records the request, authorises it against the test's deny list, routes it to the cluster
/// and writes the answer (an object, a list, a Status, a watch stream or a log stream).
/// </summary>
internal sealed class HttpFrontEnd
{
    private readonly Cluster _cluster;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly List<AccessRule> _denied = [];
    private readonly ConcurrentQueue<string> _refusals = new();
    private readonly ConcurrentQueue<AccessRecord> _access = new();
    private readonly CancellationToken _stopping;
    private readonly TokenAuthenticator? _tokens;
    private readonly RbacAuthorizer? _rbac;

    // tokens: with RBAC, who a request's bearer token is; null lets everyone do everything (but the deny list).
    public HttpFrontEnd(Cluster cluster, TokenAuthenticator? tokens, CancellationToken stopping)
    {
        _cluster = cluster;
        _stopping = stopping;
        _tokens = tokens;
        _rbac = tokens is null ? null : new RbacAuthorizer(cluster.Store);
    }

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

    /// <summary>The message of every 403 (RBAC or deny list) answered so far, in order.</summary>
    public IReadOnlyList<string> Refusals => _refusals.ToArray();

    /// <summary>Every authorization decision so far, in order.</summary>
    public IReadOnlyList<AccessRecord> Access => _access.ToArray();

    public string User { get; set; } = "system:serviceaccount:prefect:prefect-worker";

    public void Deny(AccessRule rule)
    {
        lock (_denied)
        {
            _denied.Add(rule);
        }
    }

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(context.RequestAborted);
        }

        _requests.Enqueue(new RecordedRequest(request.Method, request.Path.Value ?? "/", request.QueryString.Value ?? "", request.ContentType, body));
        try
        {
            await RouteAsync(context, body);
        }
        catch (StatusException error)
        {
            if (!context.Response.HasStarted)
            {
                await WriteJsonAsync(context, error.Code, error.ToStatus());
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested || _stopping.IsCancellationRequested)
        {
            // The client went away or the fake is stopping: nothing left to answer.
        }
        catch (Exception e) when (e is not OperationCanceledException && !context.Response.HasStarted)
        {
            // A bug in the fake (its own schema self-check, a malformed body it did not expect): say so in a Status,
            // so the failing test shows the reason instead of a bare 500.
            await WriteJsonAsync(context, 500, new StatusException(500, "InternalError", $"the fake API server failed: {e}").ToStatus());
        }
    }

    private async Task RouteAsync(HttpContext context, string body)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        if (path == "/version" && HttpMethods.IsGet(request.Method))
        {
            await WriteJsonAsync(context, 200, new JsonObject
            {
                ["major"] = "1", ["minor"] = "31", ["gitVersion"] = "v1.31.0", ["platform"] = "linux/amd64",
            });
            return;
        }

        var route = ApiRoute.Parse(path) ?? throw StatusException.PathNotFound();
        var query = request.Query;
        var isWatch = query["watch"] is var w && (w == "true" || w == "1");
        var verb = (request.Method, route.Name, route.Subresource) switch
        {
            ("GET", null, _) => isWatch ? "watch" : "list",
            ("GET", _, _) => "get",
            ("POST", null, null) => "create",
            ("PUT", not null, _) => "update",
            ("PATCH", not null, _) => "patch",
            ("DELETE", not null, null) => "delete",
            _ => throw new StatusException(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource"),
        };
        Authorize(verb, route, request.Headers.Authorization.FirstOrDefault());
        var kind = route.Kind;
        var ns = route.Namespace;
        switch (verb)
        {
            case "list":
                var (items, resourceVersion) = _cluster.Store.List(kind, ns, LabelSelector.Parse(query["labelSelector"]), FieldSelector.Parse(query["fieldSelector"]));
                await WriteJsonAsync(context, 200, new JsonObject
                {
                    ["kind"] = kind.Kind + "List",
                    ["apiVersion"] = kind.ApiVersion,
                    ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture) },
                    ["items"] = new JsonArray(items.Select(i => (JsonNode)i).ToArray()),
                });
                return;
            case "watch":
                await WatchAsync(context, route);
                return;
            case "get" when route.Subresource == "log":
                await PodLogStream.WriteAsync(context, _cluster, ns!, route.Name!, _stopping);
                return;
            case "get" when route.Subresource is null or "status":
                await WriteJsonAsync(context, 200, _cluster.Store.Get(kind, ns, route.Name!) ?? throw StatusException.NotFound(kind, route.Name!));
                return;
            case "create":
                await WriteJsonAsync(context, 201, DryRun(query) ? Preview(kind, ns, ParseObject(body)) : _cluster.Create(kind, ns, ParseObject(body)));
                return;
            case "update" when route.Subresource is null:
                await WriteJsonAsync(context, 200, _cluster.Replace(kind, ns, route.Name!, ParseObject(body)));
                return;
            case "update" when route.Subresource == "status":
                await WriteJsonAsync(context, 200, _cluster.Mutate(kind, ns, route.Name!, o => o["status"] = ParseObject(body)["status"]?.DeepClone()));
                return;
            case "patch" when route.Subresource is null:
                await WriteJsonAsync(context, 200, Patch(route, request.ContentType, body));
                return;
            case "delete":
                var propagation = query["propagationPolicy"].FirstOrDefault()
                    ?? (body.Length > 0 ? JsonNode.Parse(body).String("propagationPolicy") : null)
                    ?? (query["orphanDependents"] == "true" ? "Orphan" : null)
                    ?? Cluster.DefaultPropagation(kind);
                var before = _cluster.Store.Get(kind, ns, route.Name!);
                var uid = before?.Uid();
                var marked = _cluster.Delete(kind, ns, route.Name!, propagation);
                if (marked is not null)
                {
                    // Not gone yet in a real cluster (dependents first): the object comes back, 202 Accepted.
                    await WriteJsonAsync(context, 202, marked);
                    return;
                }

                if (kind == ResourceKind.Pods && before is not null)
                {
                    // The pod registry returns the deleted pod, not a Status (the client's DeleteNamespacedPod reads a V1Pod).
                    await WriteJsonAsync(context, 200, before);
                    return;
                }

                var details = new JsonObject { ["name"] = route.Name };
                if (kind.Group.Length > 0)
                {
                    details["group"] = kind.Group;
                }

                details["kind"] = kind.Plural;
                details["uid"] = uid;
                await WriteJsonAsync(context, 200, new JsonObject
                {
                    ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success", ["details"] = details,
                });
                return;
            default:
                throw StatusException.PathNotFound();
        }
    }

    private async Task WatchAsync(HttpContext context, ApiRoute route)
    {
        var query = context.Request.Query;
        var subscription = new WatchSubscription(route.Kind, route.Namespace, LabelSelector.Parse(query["labelSelector"]), FieldSelector.Parse(query["fieldSelector"]),
            bookmarks: query["allowWatchBookmarks"] == "true");
        _cluster.Store.Watch(subscription, query["resourceVersion"].FirstOrDefault(), sendInitialEvents: query["sendInitialEvents"] == "true");
        // timeoutSeconds is real time on purpose: the client is waiting on it, not on the fake clock.
        using var timeout = int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? new CancellationTokenSource(TimeSpan.FromSeconds(seconds)) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, context.RequestAborted, _stopping);
        try
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.StartAsync(linked.Token);
            await context.Response.Body.FlushAsync(linked.Token);
            await foreach (var line in subscription.Lines.ReadAllAsync(linked.Token))
            {
                await context.Response.WriteAsync(line + "\n", linked.Token);
                await context.Response.Body.FlushAsync(linked.Token);
            }
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            // Timeout, client gone, or the fake stopping: the stream simply ends, as the real server ends it.
        }
        finally
        {
            _cluster.Store.StopWatching(subscription);
        }
    }

    private JsonObject Patch(ApiRoute route, string? contentType, string body)
    {
        lock (_cluster.Store.Gate)
        {
            var current = _cluster.Store.Get(route.Kind, route.Namespace, route.Name!) ?? throw StatusException.NotFound(route.Kind, route.Name!);
            // A patch carrying metadata.resourceVersion is a precondition; one without applies to whatever is current.
            return _cluster.Replace(route.Kind, route.Namespace, route.Name!, Patches.Apply(contentType, current, body));
        }
    }

    private void Authorize(string verb, ApiRoute route, string? authorization)
    {
        var user = _tokens?.Authenticate(authorization);
        bool denied;
        lock (_denied)
        {
            denied = _denied.Exists(r => r.Applies(verb, route.RbacResource, route.Namespace));
        }

        var allowed = !denied && (_rbac is null || _rbac.Allows(user!, verb, route.Kind.Group, route.Kind.Plural, route.Subresource, route.Namespace, route.Name));
        _access.Enqueue(new AccessRecord(user?.Name ?? User, verb, route.RbacResource, route.Kind.Group, route.Namespace, allowed));
        if (allowed)
        {
            return;
        }

        // apiserver's forbiddenMessage, word for word: the verb, resource, group and namespace a Role must grant.
        var where = route.Namespace is null ? "at the cluster scope" : $"in the namespace \"{route.Namespace}\"";
        var refusal = Cluster.Forbidden(route.Kind, route.Name,
            $"User \"{user?.Name ?? User}\" cannot {verb} resource \"{route.RbacResource}\" in API group \"{route.Kind.Group}\" {where}");
        _refusals.Enqueue(refusal.Message);
        throw refusal;
    }

    // dryRun=All runs admission and validation without storing: the fake answers from a throwaway copy.
    private static bool DryRun(IQueryCollection query) => query["dryRun"] == "All";

    private JsonObject Preview(ResourceKind kind, string? ns, JsonObject body)
    {
        var scratch = new Cluster(new ObjectStore(16), _cluster.Clock, new PodLogs());
        if (ns is not null && !_cluster.Store.Exists(ResourceKind.Namespaces, null, ns))
        {
            throw StatusException.NamespaceNotFound(ns);
        }

        if (ns is not null)
        {
            scratch.Create(ResourceKind.Namespaces, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } });
        }

        return scratch.Create(kind, ns, body);
    }

    private static JsonObject ParseObject(string body)
    {
        try
        {
            return JsonNode.Parse(body) as JsonObject ?? throw StatusException.BadRequest("the request body must be a JSON object");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw StatusException.BadRequest($"the object provided is unrecognized: {e.Message}");
        }
    }

    public static async Task WriteJsonAsync(HttpContext context, int code, JsonObject body)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }
}
