using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Api.Models;
using Flows.Server.Endpoints;
using Flows.Server.Hosting;
using Flows.Server.Storage;
using Flows.Server.WorkPools;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flows.Server.Ui;

/// <summary>
/// The web UI's routes (outside /api): server-rendered pages, their form posts, and the two static assets.
/// Writes go through the same functions as the API endpoints (create_flow_run, work pool create), so the
/// rules and validation messages are the API's. Every page answers with Server-Timing (app;dur=ms) — the
/// bench reads it — and a CSP that allows only this server's own script and style.
/// </summary>
internal static class UiEndpoints
{
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    private static readonly Dictionary<string, (byte[] Bytes, string ContentType, string ETag)> Assets = LoadAssets();

    public static void Map(IEndpointRouteBuilder app, Database db, UiAuth auth)
    {
        var queries = new UiQueries(db);

        app.MapGet("/ui/assets/{name}", (string name, HttpContext context) =>
        {
            if (!Assets.TryGetValue(name, out var asset))
            {
                return Results.NotFound();
            }

            context.Response.Headers.CacheControl = "no-cache";
            context.Response.Headers.ETag = asset.ETag;
            context.Response.Headers.XContentTypeOptions = "nosniff";
            return context.Request.Headers.IfNoneMatch == asset.ETag ? Results.StatusCode(304) : Results.Bytes(asset.Bytes, asset.ContentType);
        });

        app.MapGet("/login", Handler((HttpContext context) =>
        {
            if (!auth.Required)
            {
                return Task.FromResult<IResult>(Results.Redirect("/"));
            }

            return Page(context, auth, "Log in", () => Task.FromResult((200, UiPages.Login(LocalPath(context.Request.Query["next"]), auth.TokenFor(null), null))), loggedIn: false);
        }));

        app.MapPost("/login", Handler(async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            var next = LocalPath(form["next"]);
            if (!auth.IsGenuinePost(context, form[UiAuth.CsrfField], null))
            {
                return await Page(context, auth, "Log in", () => Task.FromResult((403, UiPages.Login(next, auth.TokenFor(null), "The form expired or came from another site: try again."))), loggedIn: false);
            }

            var client = context.Connection.RemoteIpAddress;
            if (auth.Throttle.MustWait(context))
            {
                return await Page(context, auth, "Log in", () => Task.FromResult((429, UiPages.Login(next, auth.TokenFor(null), "Too many wrong keys from this address: wait a minute and try again."))), loggedIn: false);
            }

            var key = form["key"].ToString();
            if (!auth.IsKey(key))
            {
                auth.Throttle.RecordFailure(client);
                // The key typed is never echoed, logged or kept.
                return await Page(context, auth, "Log in", () => Task.FromResult((401, UiPages.Login(next, auth.TokenFor(null), "That API key is not accepted by this server."))), loggedIn: false);
            }

            UiAuth.SetCookie(context, key);
            return SeeOther(next ?? "/");
        }));

        app.MapPost("/logout", Handler(async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            if (!auth.IsGenuinePost(context, form[UiAuth.CsrfField], auth.Identity(context)))
            {
                return Results.StatusCode(403);
            }

            UiAuth.ClearCookie(context);
            return SeeOther(auth.Required ? "/login" : "/");
        }));

        app.MapGet("/", (HttpContext context, string? state, string? before) => Page(context, auth, "Flow runs", async () =>
        {
            var ct = context.RequestAborted;
            var stateType = ParseState(state);
            var page = await queries.RunsAsync(stateType, null, ParseGuid(before)?.ToString(), UiQueries.PageSize, ct);
            var counts = await queries.StateCountsAsync(null, ct);
            var flows = await queries.NamesAsync("flows", page.Items.Select(r => r.FlowId), ct);
            var deployments = await queries.NamesAsync("deployments", page.Items.Where(r => r.DeploymentId is not null).Select(r => r.DeploymentId!.Value), ct);
            return (200, UiPages.Runs(page, counts, stateType, flows, deployments));
        }));

        app.MapGet("/deployments", (HttpContext context, string? after, string? after_id) => Page(context, auth, "Deployments", async () =>
        {
            var ct = context.RequestAborted;
            var page = await queries.DeploymentsAsync(after, ParseGuid(after_id)?.ToString(), ct);
            var flows = await queries.NamesAsync("flows", page.Items.Select(d => d.FlowId), ct);
            return (200, UiPages.Deployments(page, flows));
        }));

        app.MapGet("/deployments/{id}", (HttpContext context, string id, string? state) => Page(context, auth, "Deployment", () =>
            DeploymentPageAsync(context, queries, auth, ParseGuid(id) ?? throw ApiException.NotFound("Deployment"), state, null, null, null, 200)));

        app.MapPost("/deployments/{id}/run", async (HttpContext context, string id) =>
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            if (!auth.IsGenuinePost(context, form[UiAuth.CsrfField], auth.Identity(context)))
            {
                return await Page(context, auth, "Forbidden", () => Task.FromResult((403, UiPages.Error(403, "The form expired or came from another site: reload the page and try again."))));
            }

            var deploymentId = ParseGuid(id) ?? throw ApiException.NotFound("Deployment");
            var deployment = await queries.DeploymentAsync(deploymentId, context.RequestAborted);
            if (deployment is null)
            {
                return await Page(context, auth, "Not found", () => Task.FromResult((404, UiPages.Error(404, "Deployment not found."))));
            }

            var fields = ParameterForm.Fields(deployment.ParameterOpenapiSchema, deployment.Parameters);
            string? Posted(string name) => form.TryGetValue(name, out var v) ? v.ToString() : null;
            var (parameters, errors) = ParameterForm.Parse(fields, Posted);
            if (errors.Count > 0)
            {
                return await Page(context, auth, deployment.Name, () => DeploymentPageAsync(context, queries, auth, deploymentId, null, Posted, errors, "Some parameters are not valid: see below.", 422));
            }

            try
            {
                var run = await FlowRunEndpoints.CreateFromDeploymentAsync(db, deploymentId, new DeploymentFlowRunCreate { Parameters = parameters }, context.RequestAborted);
                return SeeOther($"/runs/{run.Id}");
            }
            catch (ApiException ex)
            {
                // The API's own verdict (e.g. 409 from parameter schema validation), shown beside the form.
                return await Page(context, auth, deployment.Name, () => DeploymentPageAsync(context, queries, auth, deploymentId, null, Posted, null, ex.Message, (int)ex.Status));
            }
        });

        app.MapGet("/runs/{id}", (HttpContext context, string id, int? level, string? after, string? after_id, int? tail) => Page(context, auth, "Flow run", async () =>
        {
            var ct = context.RequestAborted;
            var runId = ParseGuid(id) ?? throw ApiException.NotFound("Flow run");
            var run = await queries.RunAsync(runId, ct) ?? throw ApiException.NotFound("Flow run");
            var minLevel = Math.Clamp(level ?? 0, 0, 50);
            var afterTime = after is not null && DateTimeOffset.TryParse(after, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? Rows.Time(t) : null;
            var afterId = ParseGuid(after_id)?.ToString();
            var isTail = tail == 1;
            var states = await queries.StatesAsync(runId, ct);
            var logs = await queries.LogsAsync(runId, minLevel, afterTime, afterId, isTail, ct);
            var flows = await queries.NamesAsync("flows", [run.FlowId], ct);
            var deployments = run.DeploymentId is { } d ? await queries.NamesAsync("deployments", [d], ct) : [];
            return (200, UiPages.Run(run, flows.GetValueOrDefault(run.FlowId) ?? run.FlowId.ToString(),
                run.DeploymentId is { } dep ? deployments.GetValueOrDefault(dep) : null, states, logs, minLevel, isTail, firstPage: afterTime is null && !isTail));
        }));

        // Prefect's path for a run's page (url_for: runs/flow-run/<id>), which the tools print so that one link works
        // against our UI, Prefect's and Prefect Cloud's. Only a well-formed id is sent on: nothing else leaves here.
        app.MapGet("/runs/flow-run/{id}", (string id) => ParseGuid(id) is { } runId ? Results.Redirect($"/runs/{runId}") : Results.NotFound());

        app.MapGet("/work-pools", (HttpContext context, string? after) => Page(context, auth, "Work pools", () =>
            WorkPoolsPageAsync(context, queries, auth, after, new UiPages.PoolForm(null, null, null, null, null, null, null), null, 200)));

        app.MapPost("/work-pools", Handler(async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            if (!auth.IsGenuinePost(context, form[UiAuth.CsrfField], auth.Identity(context)))
            {
                return await Page(context, auth, "Forbidden", () => Task.FromResult((403, UiPages.Error(403, "The form expired or came from another site: reload the page and try again."))));
            }

            var posted = new UiPages.PoolForm(form["name"], form["type"], form["description"], form["namespace"], form["image"], form["finished_job_ttl"], form["pod_watch_timeout_seconds"]);
            try
            {
                var pool = await WorkPoolEndpoints.CreateAsync(db, new WorkPoolEndpoints.WorkPoolCreateBody
                {
                    Name = posted.Name?.Trim(), Type = posted.Type, Description = string.IsNullOrWhiteSpace(posted.Description) ? null : posted.Description,
                    BaseJobTemplate = PoolTemplate(posted),
                }, context.RequestAborted);
                return SeeOther($"/work-pools#pool-{Uri.EscapeDataString(pool.Name)}");
            }
            catch (ApiException ex)
            {
                return await Page(context, auth, "Work pools", () => WorkPoolsPageAsync(context, queries, auth, null, posted, ex.Message, (int)ex.Status));
            }
        }));
    }

    // A lambda taking only HttpContext would bind as a RequestDelegate and drop its IResult; this keeps it a route handler.
    private static Delegate Handler(Func<HttpContext, Task<IResult>> handler) => handler;

    /// <summary>The middleware's answer to an unauthenticated page request: the login form, coming back here after.</summary>
    public static Task RedirectToLoginAsync(HttpContext context)
    {
        var next = context.Request.Method == HttpMethods.Get ? context.Request.Path + context.Request.QueryString : "/";
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = "/login?next=" + Uri.EscapeDataString(next);
        return Task.CompletedTask;
    }

    private static async Task<(int, Html)> DeploymentPageAsync(HttpContext context, UiQueries queries, UiAuth auth, Guid id, string? state,
        Func<string, string?>? posted, IReadOnlyDictionary<string, string>? fieldErrors, string? error, int status)
    {
        var ct = context.RequestAborted;
        var deployment = await queries.DeploymentAsync(id, ct) ?? throw ApiException.NotFound("Deployment");
        var flows = await queries.NamesAsync("flows", [deployment.FlowId], ct);
        var stateType = ParseState(state);
        var runs = await queries.RunsAsync(stateType, id, null, 20, ct);
        var counts = await queries.StateCountsAsync(id, ct);
        var fields = ParameterForm.Fields(deployment.ParameterOpenapiSchema, deployment.Parameters);
        return (status, UiPages.Deployment(deployment, flows.GetValueOrDefault(deployment.FlowId) ?? deployment.FlowId.ToString(), fields, posted, fieldErrors, error,
            auth.TokenFor(auth.Identity(context)), counts, runs.Items));
    }

    private static async Task<(int, Html)> WorkPoolsPageAsync(HttpContext context, UiQueries queries, UiAuth auth, string? after, UiPages.PoolForm form, string? error, int status)
    {
        var ct = context.RequestAborted;
        var page = await queries.WorkPoolsAsync(after, ct);
        var workers = await queries.WorkersAsync(page.Items.Select(p => p.Id), 5, ct);
        return (status, UiPages.WorkPools(page, workers, DateTimeOffset.UtcNow, auth.TokenFor(auth.Identity(context)), form, error));
    }

    /// <summary>
    /// The pool's base job template: the type's default with the form's values as variable defaults (as the
    /// Prefect UI stores them). Blank fields keep the template's default; the image left blank stays null,
    /// so each deployment's job_variables.image decides.
    /// </summary>
    internal static JsonElement? PoolTemplate(UiPages.PoolForm form)
    {
        if (form.Type != "kubernetes")
        {
            return null;
        }

        var template = JsonNode.Parse(BaseJobTemplates.ForType("kubernetes")!.Value.GetRawText())!;
        var properties = template["variables"]!["properties"]!;
        void Default(string variable, JsonNode? value) => properties[variable]!["default"] = value;
        if (!string.IsNullOrWhiteSpace(form.Namespace))
        {
            Default("namespace", JsonValue.Create(form.Namespace.Trim()));
        }

        if (!string.IsNullOrWhiteSpace(form.Image))
        {
            Default("image", JsonValue.Create(form.Image.Trim()));
        }

        Default("finished_job_ttl", Seconds(form.FinishedJobTtl, "Finished job TTL") is { } ttl ? JsonValue.Create(ttl) : properties["finished_job_ttl"]!["default"]?.DeepClone());
        Default("pod_watch_timeout_seconds", Seconds(form.PodWatchTimeout, "Pod watch timeout") is { } watch ? JsonValue.Create(watch) : properties["pod_watch_timeout_seconds"]!["default"]?.DeepClone());
        return JsonSerializer.SerializeToElement(template);
    }

    private static int? Seconds(string? text, string what)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? seconds
            : throw ApiException.Invalid($"{what} must be a whole number of seconds, not '{text}'.");
    }

    /// <summary>Renders a page inside the layout, with timing, security headers, and API errors as HTML.</summary>
    private static async Task<IResult> Page(HttpContext context, UiAuth auth, string title, Func<Task<(int Status, Html Body)>> render, bool? loggedIn = null)
    {
        var started = Stopwatch.GetTimestamp();
        int status;
        Html body;
        try
        {
            (status, body) = await render();
        }
        catch (ApiException ex)
        {
            (status, body, title) = ((int)ex.Status, UiPages.Error((int)ex.Status, ex.Message), "Error");
        }

        var html = UiPages.Layout(title, body, new UiPages.PageContext(auth.TokenFor(auth.Identity(context)), loggedIn ?? auth.Required));
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "same-origin";
        headers.CacheControl = "no-store";
        headers["Server-Timing"] = string.Create(CultureInfo.InvariantCulture, $"app;dur={Stopwatch.GetElapsedTime(started).TotalMilliseconds:0.00}");
        return Results.Content(html.Value, "text/html; charset=utf-8", statusCode: status);
    }

    private static IResult SeeOther(string location) => new SeeOtherResult(location);

    private sealed class SeeOtherResult(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }

    private static string? ParseState(string? state)
        => state is not null && Enum.TryParse<StateType>(state, ignoreCase: true, out var type) && Enum.IsDefined(type) ? type.ToString().ToUpperInvariant() : null;

    private static Guid? ParseGuid(string? text) => Guid.TryParse(text, out var id) ? id : null;

    /// <summary>Only a path on this server ("/…", not "//host"), so the login form cannot redirect elsewhere.</summary>
    private static string? LocalPath(string? next)
        => next is { Length: > 0 } && next[0] == '/' && (next.Length == 1 || (next[1] != '/' && next[1] != '\\')) ? next : null;

    private static Dictionary<string, (byte[], string, string)> LoadAssets()
    {
        var assets = new Dictionary<string, (byte[], string, string)>(StringComparer.Ordinal);
        foreach (var (name, type) in new[] { ("app.css", "text/css; charset=utf-8"), ("app.js", "text/javascript; charset=utf-8"), ("favicon.svg", "image/svg+xml") })
        {
            using var stream = typeof(UiEndpoints).Assembly.GetManifestResourceStream("Flows.Server.Ui.Assets." + name)
                ?? throw new InvalidOperationException($"UI asset {name} is not embedded.");
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = buffer.ToArray();
            assets[name] = (bytes, type, "\"" + Convert.ToHexString(SHA256.HashData(bytes))[..16] + "\"");
        }

        return assets;
    }
}
