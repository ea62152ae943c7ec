using System.Globalization;
using System.Text.Json;
using Flows.Api.Models;
using Flows.Server.Storage;
using static Flows.Server.Ui.Html;

namespace Flows.Server.Ui;

/// <summary>
/// The pages, as pure functions of their data (no I/O), so tests can render them directly. All markup goes
/// through <see cref="Html.H"/>: values are encoded unless they are markup built here.
/// </summary>
internal static class UiPages
{
    public static readonly StateType[] StateOrder =
        [StateType.Scheduled, StateType.Pending, StateType.Running, StateType.Completed, StateType.Failed, StateType.Crashed, StateType.Cancelling, StateType.Cancelled, StateType.Paused];

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        // Shown as text, and the page HTML-encodes it: the default encoder's \u0022 escapes would only hurt reading.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public sealed record PageContext(string Csrf, bool LoggedIn);

    public static Html Layout(string title, Html body, PageContext context)
    {
        var logout = context.LoggedIn
            ? H($"<form method=\"post\" action=\"/logout\" class=\"logout\"><input type=\"hidden\" name=\"{UiAuth.CsrfField}\" value=\"{context.Csrf}\"><button type=\"submit\">Log out</button></form>")
            : Html.Empty;
        return H($"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="flows-csrf" content="{context.Csrf}">
            <title>{title} · Flows</title><link rel="icon" href="/ui/assets/favicon.svg"><link rel="stylesheet" href="/ui/assets/app.css"><script src="/ui/assets/app.js" defer></script></head>
            <body><header><a class="brand" href="/">Flows</a><nav><a href="/">Flow runs</a><a href="/deployments">Deployments</a><a href="/work-pools">Work pools</a></nav>{logout}</header>
            <main>{body}</main></body></html>
            """);
    }

    public static Html Login(string? next, string csrf, string? error) => H($"""
        <h1>Log in</h1>
        <p class="muted">This server requires an API key (the value of PREFECT_API_KEY for its clients).</p>
        {(error is null ? Html.Empty : H($"<div class=\"error\" role=\"alert\">{error}</div>"))}
        <form method="post" action="/login" class="card form">
          <input type="hidden" name="{UiAuth.CsrfField}" value="{csrf}"><input type="hidden" name="next" value="{next}">
          <div class="field"><label for="key">API key</label><input type="password" id="key" name="key" autocomplete="current-password" required></div>
          <button type="submit">Log in</button>
        </form>
        """);

    public static Html Error(int status, string message) => H($"<h1>{status}</h1><div class=\"error\" role=\"alert\">{message}</div><p><a href=\"/\">Back to flow runs</a></p>");

    // ---- flow runs -------------------------------------------------------------------------------------

    public static Html Runs(UiQueries.Page<FlowRun> page, IReadOnlyDictionary<string, long> counts, string? state, IReadOnlyDictionary<Guid, string> flows, IReadOnlyDictionary<Guid, string> deployments)
    {
        var query = state is null ? string.Empty : "&state=" + Uri.EscapeDataString(state);
        var older = page.HasMore && page.Items.Count > 0 ? H($"<a class=\"older\" href=\"/?before={page.Items[^1].Id}{query}\">Older runs →</a>") : Html.Empty;
        var newest = H($"<a href=\"/{(state is null ? string.Empty : "?state=" + Uri.EscapeDataString(state))}\">Newest</a>");
        return H($"""
            <h1>Flow runs</h1>
            {StateCounts(counts, state, "/")}
            {RunTable(page.Items, flows, deployments)}
            <nav class="pager">{newest}{older}</nav>
            """);
    }

    public static Html StateCounts(IReadOnlyDictionary<string, long> counts, string? selected, string basePath)
    {
        var total = counts.Values.Sum();
        var chips = StateOrder.Select(s =>
        {
            var key = s.ToString().ToUpperInvariant();
            var count = counts.TryGetValue(key, out var n) ? n : 0;
            var current = selected == key ? Raw(" aria-current=\"true\"") : Html.Empty;
            return H($"<a class=\"chip state-{key.ToLowerInvariant()}\" href=\"{basePath}?state={key}\"{current} data-state=\"{key}\"><span class=\"n\">{count}</span> {s.ToString()}</a>");
        });
        return H($"<div class=\"counts\"><a class=\"chip\" href=\"{basePath}\"{(selected is null ? Raw(" aria-current=\"true\"") : Html.Empty)}><span class=\"n\">{total}</span> All</a>{chips}</div>");
    }

    public static Html RunTable(IReadOnlyList<FlowRun> runs, IReadOnlyDictionary<Guid, string> flows, IReadOnlyDictionary<Guid, string> deployments)
    {
        if (runs.Count == 0)
        {
            return Raw("<p class=\"muted\">No flow runs.</p>");
        }

        var rows = runs.Select(r =>
        {
            var flow = flows.TryGetValue(r.FlowId, out var f) ? f : r.FlowId.ToString();
            var deployment = r.DeploymentId is { } d && deployments.TryGetValue(d, out var dn)
                ? H($" / <a href=\"/deployments/{d}\">{dn}</a>") : Html.Empty;
            return H($"<tr><td><a href=\"/runs/{r.Id}\">{r.Name}</a></td><td>{flow}{deployment}</td><td>{Badge(r.State?.Type ?? r.StateType, r.StateName)}</td><td>{Time(r.StartTime ?? r.ExpectedStartTime)}</td><td>{Duration(r)}</td><td>{Tags(r.Tags)}</td></tr>");
        });
        return H($"<table class=\"runs\"><thead><tr><th>Run</th><th>Flow / deployment</th><th>State</th><th>Start</th><th>Duration</th><th>Tags</th></tr></thead><tbody>{rows}</tbody></table>");
    }

    // ---- deployments -----------------------------------------------------------------------------------

    public static Html Deployments(UiQueries.Page<DeploymentResponse> page, IReadOnlyDictionary<Guid, string> flows)
    {
        var rows = page.Items.Select(d =>
        {
            var (image, digest) = Image(d);
            return H($"<tr><td><a href=\"/deployments/{d.Id}\">{FlowName(flows, d.FlowId)}/{d.Name}</a>{(d.Paused ? Raw(" <span class=\"pill\">paused</span>") : Html.Empty)}</td><td>{Schedules(d)}</td><td>{Tags(d.Tags)}</td><td>{PoolLink(d.WorkPoolName)}</td><td class=\"mono\">{image}</td><td class=\"mono digest\">{digest}</td></tr>");
        });
        var next = page.HasMore ? H($"<a class=\"older\" href=\"/deployments?after={page.Items[^1].Name}&amp;after_id={page.Items[^1].Id}\">Next →</a>") : Html.Empty;
        return H($"""
            <h1>Deployments</h1>
            {(page.Items.Count == 0 ? Raw("<p class=\"muted\">No deployments yet: deploy with <code>dotnet publish -p:DeployFlows=true</code> or <code>flows-deploy deploy --all</code>.</p>") : H($"<table><thead><tr><th>Deployment</th><th>Schedule</th><th>Tags</th><th>Work pool</th><th>Image</th><th>Digest</th></tr></thead><tbody>{rows}</tbody></table>"))}
            <nav class="pager"><a href="/deployments">First</a>{next}</nav>
            """);
    }

    public static Html Deployment(DeploymentResponse d, string flowName, IReadOnlyList<ParameterForm.Field> fields, Func<string, string?>? posted,
        IReadOnlyDictionary<string, string>? fieldErrors, string? error, string csrf, IReadOnlyDictionary<string, long> counts, IReadOnlyList<FlowRun> runs)
    {
        var (image, digest) = Image(d);
        var errorBox = error is null ? Html.Empty : H($"<div class=\"error\" role=\"alert\" id=\"run-error\">{error}</div>");
        return H($"""
            <h1><span class="muted">{flowName} /</span> {d.Name}</h1>
            {(d.Description is { Length: > 0 } description ? H($"<p>{description}</p>") : Html.Empty)}
            <dl class="facts">
              <dt>Entrypoint</dt><dd class="mono">{d.Entrypoint}</dd>
              <dt>Work pool</dt><dd>{PoolLink(d.WorkPoolName)} <span class="muted">queue {d.WorkQueueName}</span></dd>
              <dt>Schedule</dt><dd>{Schedules(d)}</dd>
              <dt>Tags</dt><dd>{Tags(d.Tags)}</dd>
              <dt>Image</dt><dd class="mono">{image}</dd>
              <dt>Digest</dt><dd class="mono digest">{digest}</dd>
              <dt>Version</dt><dd>{d.Version}</dd>
              <dt>Parameters</dt><dd><pre>{Json(d.Parameters)}</pre></dd>
            </dl>
            <section class="card">
              <h2>Run</h2>
              {errorBox}
              <form method="post" action="/deployments/{d.Id}/run" class="form" id="run-form">
                <input type="hidden" name="{UiAuth.CsrfField}" value="{csrf}">
                {ParameterForm.Render(fields, posted, fieldErrors)}
                <p class="hint">Leave a field empty to use the deployment's value or the flow's default.</p>
                <button type="submit" id="run-button">Run</button>
              </form>
            </section>
            <h2>Recent runs</h2>
            {StateCounts(counts, null, $"/deployments/{d.Id}")}
            {RunTable(runs, new Dictionary<Guid, string> { [d.FlowId] = flowName }, new Dictionary<Guid, string> { [d.Id] = d.Name })}
            """);
    }

    // ---- flow run ---------------------------------------------------------------------------------------

    public static Html Run(FlowRun r, string flowName, string? deploymentName, IReadOnlyList<State> states, UiQueries.Page<Log> logs, int level, bool tail, bool firstPage)
    {
        var deployment = r.DeploymentId is { } d ? H($" / <a href=\"/deployments/{d}\">{deploymentName ?? d.ToString()}</a>") : Html.Empty;
        var timeline = Join(states.Select(s => TimelineItem(s)));
        var levels = Join(new[] { (0, "All levels"), (10, "DEBUG and up"), (20, "INFO and up"), (30, "WARNING and up"), (40, "ERROR and up"), (50, "CRITICAL") }
            .Select(l => H($"<option value=\"{l.Item1}\"{(l.Item1 == level ? Raw(" selected") : Html.Empty)}>{l.Item2}</option>")));
        var last = logs.Items.Count > 0 ? logs.Items[^1] : null;
        // Live tail only when this page shows the newest lines (no further page).
        var live = !logs.HasMore;
        var levelQuery = level > 0 ? $"&level={level}" : string.Empty;
        var next = logs.HasMore && last is not null
            ? H($"<a class=\"older\" href=\"/runs/{r.Id}?after={Rows.Time(last.Timestamp)}&amp;after_id={last.Id}{levelQuery}\">Later lines →</a>") : Html.Empty;
        var logRows = Join(logs.Items.Select(LogRow));
        var terminal = (r.StateType?.IsTerminal() ?? false) ? "true" : "false";
        return H($"""
            <h1><span class="muted">{flowName}{deployment} /</span> {r.Name} <span id="run-state" data-state-id="{r.State?.Id}" data-terminal="{terminal}">{Badge(r.State?.Type ?? r.StateType, r.StateName)}</span></h1>
            <dl class="facts">
              <dt>Run id</dt><dd class="mono">{r.Id}</dd>
              <dt>Work pool</dt><dd>{PoolLink(r.WorkPoolName)} <span class="muted">queue {r.WorkQueueName}</span></dd>
              <dt>Infrastructure</dt><dd class="mono" id="infrastructure-pid">{r.InfrastructurePid}</dd>
              <dt>Expected start</dt><dd>{Time(r.ExpectedStartTime)}</dd>
              <dt>Started</dt><dd id="start-time">{Time(r.StartTime)}</dd>
              <dt>Ended</dt><dd id="end-time">{Time(r.EndTime)}</dd>
              <dt>Tags</dt><dd>{Tags(r.Tags)}</dd>
            </dl>
            <div class="two">
              <section><h2>Parameters</h2><pre id="parameters">{Json(r.Parameters)}</pre></section>
              <section><h2>Job variables</h2><pre id="job-variables">{Json(r.JobVariables ?? new Dictionary<string, JsonElement>())}</pre></section>
            </div>
            <h2>State timeline</h2>
            <ol class="timeline" id="timeline">{timeline}</ol>
            <h2>Logs</h2>
            <form method="get" action="/runs/{r.Id}" class="inline" id="level-form">
              <label for="level">Level</label><select id="level" name="level" data-autosubmit>{levels}</select>
              <noscript><button type="submit">Filter</button></noscript>
              <a href="/runs/{r.Id}?tail=1{levelQuery}">Latest lines</a>{(firstPage ? Html.Empty : H($" <a href=\"/runs/{r.Id}{(level > 0 ? "?level=" + level.ToString(CultureInfo.InvariantCulture) : string.Empty)}\">First lines</a>"))}
              <span class="muted" id="tail-status">{(live ? "live" : string.Empty)}</span>
            </form>
            <table class="logs" id="logs" data-run="{r.Id}" data-level="{level}" data-live="{(live ? "true" : "false")}" data-terminal="{terminal}"
                   data-after="{(last is null ? string.Empty : Rows.Time(last.Timestamp))}">
              <thead><tr><th>Time</th><th>Level</th><th>Message</th></tr></thead>
              <tbody>{logRows}</tbody>
            </table>
            {(logs.Items.Count == 0 ? Raw("<p class=\"muted\" id=\"no-logs\">No log lines yet.</p>") : Html.Empty)}
            <nav class="pager">{next}</nav>
            {(tail ? Raw("<p class=\"muted\">Showing the newest lines.</p>") : Html.Empty)}
            """);
    }

    public static Html TimelineItem(State s)
        => H($"<li data-state-id=\"{s.Id}\">{Badge(s.Type, s.Name)} <time>{Time(s.Timestamp)}</time>{(s.Message is { Length: > 0 } m ? H($" <span class=\"message\">{m}</span>") : Html.Empty)}</li>");

    public static Html LogRow(Log l)
        => H($"<tr class=\"level-{LevelName(l.Level).ToLowerInvariant()}\" data-id=\"{l.Id}\"><td class=\"mono\">{Time(l.Timestamp)}</td><td>{LevelName(l.Level)}</td><td class=\"message\">{l.Message}</td></tr>");

    public static string LevelName(int level) => level switch
    {
        >= 50 => "CRITICAL", >= 40 => "ERROR", >= 30 => "WARNING", >= 20 => "INFO", >= 10 => "DEBUG", _ => "NOTSET",
    };

    // ---- work pools ------------------------------------------------------------------------------------

    public sealed record PoolForm(string? Name, string? Type, string? Description, string? Namespace, string? Image, string? FinishedJobTtl, string? PodWatchTimeout);

    public static Html WorkPools(UiQueries.Page<WorkPool> page, IReadOnlyDictionary<Guid, List<Worker>> workers, DateTimeOffset now, string csrf, PoolForm form, string? error)
    {
        var rows = page.Items.Select(p =>
        {
            var list = workers.TryGetValue(p.Id, out var w) ? w : [];
            var workerCells = list.Count == 0
                ? Raw("<span class=\"muted\">no workers</span>")
                : Join(list.Select(x =>
                {
                    var online = Endpoints.WorkerEndpoints.IsOnline(x, now);
                    return H($"<div class=\"worker\"><span class=\"dot {(online ? "online" : "offline")}\"></span>{x.Name} <span class=\"muted\">last heartbeat {Time(x.LastHeartbeatTime)} ({Ago(x.LastHeartbeatTime, now)})</span></div>");
                }));
            return H($"<tr id=\"pool-{p.Name}\"><td><strong>{p.Name}</strong>{(p.IsPaused ? Raw(" <span class=\"pill\">paused</span>") : Html.Empty)}<div class=\"muted\">{p.Description}</div></td><td>{p.Type}</td><td>{Defaults(p)}</td><td>{workerCells}</td></tr>");
        });
        var next = page.HasMore ? H($"<a class=\"older\" href=\"/work-pools?after={page.Items[^1].Name}\">Next →</a>") : Html.Empty;
        var types = Join(new[] { "kubernetes", "process", "docker" }.Select(t => H($"<option value=\"{t}\"{((form.Type ?? "kubernetes") == t ? Raw(" selected") : Html.Empty)}>{t}</option>")));
        return H($"""
            <h1>Work pools</h1>
            {(page.Items.Count == 0 ? Raw("<p class=\"muted\">No work pools.</p>") : H($"<table id=\"pools\"><thead><tr><th>Pool</th><th>Type</th><th>Defaults</th><th>Workers</th></tr></thead><tbody>{rows}</tbody></table>"))}
            <nav class="pager"><a href="/work-pools">First</a>{next}</nav>
            <section class="card">
              <h2>Create a work pool</h2>
              {(error is null ? Html.Empty : H($"<div class=\"error\" role=\"alert\" id=\"pool-error\">{error}</div>"))}
              <form method="post" action="/work-pools" class="form" id="pool-form">
                <input type="hidden" name="{UiAuth.CsrfField}" value="{csrf}">
                <div class="field"><label for="pool-name">Name</label><input id="pool-name" name="name" required value="{form.Name}"></div>
                <div class="field"><label for="pool-type">Type</label><select id="pool-type" name="type" data-toggles="kubernetes-only">{types}</select></div>
                <div class="field"><label for="pool-description">Description</label><input id="pool-description" name="description" value="{form.Description}"></div>
                <fieldset id="kubernetes-only" data-for-type="kubernetes"><legend>Kubernetes defaults (base job template variables)</legend>
                  <div class="field"><label for="pool-namespace">Namespace</label><input id="pool-namespace" name="namespace" placeholder="default" value="{form.Namespace}"></div>
                  <div class="field"><label for="pool-image">Image</label><input id="pool-image" name="image" placeholder="left blank: each deployment sets its image" value="{form.Image}"></div>
                  <div class="field"><label for="pool-ttl">Finished job TTL (seconds)</label><input type="number" min="0" step="1" id="pool-ttl" name="finished_job_ttl" value="{form.FinishedJobTtl}"></div>
                  <div class="field"><label for="pool-watch">Pod watch timeout (seconds)</label><input type="number" min="0" step="1" id="pool-watch" name="pod_watch_timeout_seconds" placeholder="60" value="{form.PodWatchTimeout}"></div>
                </fieldset>
                <button type="submit" id="pool-create">Create</button>
              </form>
            </section>
            """);
    }

    /// <summary>The base job template defaults worth seeing at a glance (namespace, image, TTL, pod watch timeout).</summary>
    private static Html Defaults(WorkPool pool)
    {
        if (pool.BaseJobTemplate is not { ValueKind: JsonValueKind.Object } template || !template.TryGetProperty("variables", out var variables)
            || !variables.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return Html.Empty;
        }

        var shown = new[] { "namespace", "image", "finished_job_ttl", "pod_watch_timeout_seconds" }
            .Where(name => properties.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Object && p.TryGetProperty("default", out var v) && v.ValueKind != JsonValueKind.Null)
            .Select(name =>
            {
                var value = properties.GetProperty(name).GetProperty("default");
                return H($"<div data-variable=\"{name}\"><span class=\"muted\">{name}</span> {(value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText())}</div>");
            });
        return Join(shown);
    }

    // ---- pieces ------------------------------------------------------------------------------------------

    public static Html Badge(StateType? type, string? name)
    {
        var key = (type?.ToString() ?? "none").ToLowerInvariant();
        return H($"<span class=\"state state-{key}\" data-state-type=\"{key}\">{name ?? type?.ToString() ?? "—"}</span>");
    }

    private static Html Tags(IEnumerable<string>? tags) => Join((tags ?? []).Select(t => H($"<span class=\"tag\">{t}</span>")));

    private static Html PoolLink(string? pool) => pool is null ? Html.Empty : H($"<a href=\"/work-pools#pool-{pool}\">{pool}</a>");

    private static string FlowName(IReadOnlyDictionary<Guid, string> flows, Guid id) => flows.TryGetValue(id, out var name) ? name : id.ToString();

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, Indented);

    public static string Time(DateTimeOffset? time) => time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : string.Empty;

    private static string Ago(DateTimeOffset? time, DateTimeOffset now)
    {
        if (time is not { } t)
        {
            return "never";
        }

        var span = now - t;
        return span.TotalSeconds < 90 ? $"{Math.Max(0, (int)span.TotalSeconds)} s ago" : span.TotalMinutes < 90 ? $"{(int)span.TotalMinutes} min ago" : $"{(int)span.TotalHours} h ago";
    }

    private static string Duration(FlowRun r)
    {
        if (r.StartTime is not { } start)
        {
            return string.Empty;
        }

        var span = (r.EndTime ?? DateTimeOffset.UtcNow) - start;
        return span.TotalSeconds < 60 ? $"{span.TotalSeconds:0.0} s" : span.TotalMinutes < 60 ? $"{(int)span.TotalMinutes} min {span.Seconds} s" : $"{(int)span.TotalHours} h {span.Minutes} min";
    }

    private static Html Schedules(DeploymentResponse d)
    {
        if (d.Schedules.Count == 0)
        {
            return Raw("<span class=\"muted\">none</span>");
        }

        return Join(d.Schedules.Select(s =>
        {
            var text = s.Schedule.Cron is { } cron ? $"cron {cron}"
                : s.Schedule.Interval is { } seconds ? $"every {TimeSpan.FromSeconds(seconds)}"
                : s.Schedule.Rrule is { } rrule ? rrule : "?";
            var zone = s.Schedule.Timezone is { } tz ? $" ({tz})" : string.Empty;
            return H($"<div>{text}{zone}{(s.Active ? Html.Empty : Raw(" <span class=\"pill\">inactive</span>"))}</div>");
        }));
    }

    /// <summary>job_variables.image, split into the reference and its pinned digest (…@sha256:…), as deploy writes it.</summary>
    public static (string? Image, string? Digest) Image(DeploymentResponse d)
    {
        if (!d.JobVariables.TryGetValue("image", out var value) || value.ValueKind != JsonValueKind.String)
        {
            return (null, null);
        }

        var image = value.GetString()!;
        var at = image.IndexOf('@', StringComparison.Ordinal);
        return at < 0 ? (image, null) : (image[..at], image[(at + 1)..]);
    }
}
