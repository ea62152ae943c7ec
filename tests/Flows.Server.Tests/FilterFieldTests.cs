using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Server.Filtering;

namespace Flows.Server.Tests;

/// <summary>
/// Walks the filter bodies of Prefect's OpenAPI (each route's request body, each filter object in it, recursively to the
/// leaf fields) and proves every leaf on the seeded <see cref="FilterWorld"/>: an implemented one selects exactly the
/// rows its probes say (through the links when the filter is on another resource), a criterion on task runs matches
/// nothing, and a refused one answers 422 naming the field. The server's table (<see cref="FilterFields"/>) must have
/// exactly the schema's fields.
/// </summary>
public abstract class FilterFieldTests(ServerFixture fixture)
{
    /// <summary>The routes that take filter bodies, with the resource they answer (and where it is scoped to one pool).</summary>
    private static readonly (string Path, string Kind, string? Scope, string Answer)[] Routes =
    [
        ("/flow_runs/filter", "run", null, "list"), ("/flow_runs/count", "run", null, "count"), ("/flow_runs/paginate", "run", null, "page"),
        ("/flows/filter", "flow", null, "list"), ("/flows/count", "flow", null, "count"), ("/flows/paginate", "flow", null, "page"),
        ("/deployments/filter", "deployment", null, "list"), ("/deployments/count", "deployment", null, "count"), ("/deployments/paginate", "deployment", null, "page"),
        ("/work_pools/filter", "pool", null, "list"), ("/work_pools/count", "pool", null, "count"),
        ("/work_queues/filter", "queue", null, "list"), ("/work_pools/{work_pool_name}/queues/filter", "queue", "poolA", "list"),
        ("/work_pools/{work_pool_name}/workers/filter", "worker", "poolA", "list"),
        ("/logs/filter", "log", null, "list"),
        ("/variables/filter", "variable", null, "list"), ("/variables/count", "variable", null, "count"),
        ("/ui/flow_runs/history", "run", null, "list"), ("/flow_runs/history", "run", null, "history"),
    ];

    private static readonly Dictionary<string, string?> KindOfComponent = new()
    {
        ["FlowFilter"] = "flow", ["FlowRunFilter"] = "run", ["DeploymentFilter"] = "deployment", ["WorkPoolFilter"] = "pool", ["WorkQueueFilter"] = "queue",
        ["WorkerFilter"] = "worker", ["LogFilter"] = "log", ["VariableFilter"] = "variable", ["TaskRunFilter"] = null,
    };

    private static readonly SemaphoreSlim SeedGate = new(1, 1);
    private static readonly Dictionary<ServerFixture, FilterWorld> Worlds = [];

    private static JsonElement Spec { get; } = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "prefect-openapi-subset.json"))).RootElement;

    private static JsonElement Schemas => Spec.GetProperty("components").GetProperty("schemas");

    [Fact]
    public void The_servers_filter_table_has_exactly_the_schemas_fields()
    {
        foreach (var group in FilterFields.Roots)
        {
            var fromSchema = SchemaLeaves(group.Component).Where(l => !l.EndsWith("operator", StringComparison.Ordinal)).Order().ToList();
            var fromServer = FilterFields.Leaves(group).Select(l => l.Path).Order().ToList();
            Assert.True(fromSchema.SequenceEqual(fromServer), $"{group.Component}: schema [{string.Join(", ", fromSchema)}] vs server [{string.Join(", ", fromServer)}]");
        }
    }

    [Fact]
    public async Task Every_filter_leaf_of_every_route_filters_matches_nothing_or_is_refused_by_name()
    {
        var world = await WorldAsync();
        var failures = new List<string>();
        var proven = 0;
        foreach (var (route, kind, scope, answer) in Routes)
        {
            foreach (var (section, component) in Sections(route))
            {
                var group = FilterFields.Roots.Single(g => g.Component == component);
                foreach (var leaf in SchemaLeaves(component))
                {
                    var support = SupportOf(group, leaf);
                    var where = $"{route} {section}.{leaf}";
                    try
                    {
                        switch (support)
                        {
                            case FieldSupport.Implemented:
                                var probes = FilterProbes.All.Where(p => p.Component == component && p.Path == leaf).ToList();
                                var all = world.Of(KindOfComponent[component]!).ToHashSet();
                                Assert.True(probes.Any(p => p.Matches.Length > 0) && probes.Any(p => p.Matches.Length < all.Count),
                                    $"{where}: needs a probe that selects a row and one that leaves a row out");
                                foreach (var probe in probes)
                                {
                                    var expected = Expected(world, kind, scope, KindOfComponent[component]!, probe.Matches);
                                    var actual = await AskAsync(route, scope, answer, Body(section, leaf, probe.Value(world)), world);
                                    AssertAnswer(where + " = " + probe.Value(world).ToJsonString(), answer, expected, actual);
                                }

                                break;
                            case FieldSupport.MatchesNothing:
                                var baseline = await AskAsync(route, scope, answer, new JsonObject(), world);
                                Assert.NotEmpty(baseline);
                                var nothing = await AskAsync(route, scope, answer, Body(section, leaf, SampleValue(component, leaf)), world);
                                Assert.True(nothing.Count == 0, $"{where}: expected no rows, got {nothing.Count}");
                                break;
                            default:
                                await AssertRefusedAsync(route, scope, WithWindow(answer, Body(section, leaf, SampleValue(component, leaf)), world), $"{section}.{leaf}");
                                break;
                        }

                        proven++;
                    }
                    catch (Exception ex) when (ex is Xunit.Sdk.XunitException or InvalidOperationException)
                    {
                        failures.Add($"{where}: {ex.Message}");
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} failing filter leaves:\n{string.Join("\n", failures.Take(40))}");
        Assert.True(proven > 600, $"only {proven} leaf checks ran");
    }

    [Theory]
    [InlineData("flow_runs/filter", """{"flow_runs": {"no_such_field": {"any_": ["x"]}}}""", "no_such_field")]
    [InlineData("flow_runs/filter", """{"flow_runs": {"state": {"type": {"any_": ["NOT_A_STATE"]}}}}""", "type")]
    [InlineData("flow_runs/filter", """{"flow_runs": {"id": {"any_": ["not-a-uuid"]}}}""", "any_")]
    [InlineData("flow_runs/filter", """{"flow_runs": {"operator": "xor_"}}""", "operator")]
    [InlineData("flow_runs/filter", """{"flow_runs": "all"}""", "flow_runs")]
    [InlineData("deployments/filter", """{"deployments": {"concurrency_limit": {"ge_": 1}}}""", "concurrency_limit.ge_")]
    [InlineData("flow_runs/count", """{"flow_runs": {"created_by": {"type_": ["DEPLOYMENT"]}}}""", "created_by.type_")]
    [InlineData("logs/filter", """{"logs": {"text": {}}}""", "query")]
    [InlineData("logs/filter", """{"logs": {"level": {"ge_": "high"}}}""", "ge_")]
    [InlineData("flows/paginate", """{"page": 0}""", "page")]
    [InlineData("flow_runs/filter", """{"sort": "SIDEWAYS"}""", "sort")]
    public async Task Bad_filter_bodies_are_422_naming_the_field(string path, string body, string field)
    {
        using var raw = new HttpClient { BaseAddress = fixture.Http.BaseAddress };
        using var response = await raw.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text);
        var error = doc.RootElement.GetProperty("detail")[0];
        Assert.Contains(field, string.Join('.', error.GetProperty("loc").EnumerateArray().Select(e => e.GetString())) + " " + error.GetProperty("msg").GetString());
        OpenApiValidatingHandler.Validate("/components/schemas/HTTPValidationError", text, "422 body");
    }

    private async Task<FilterWorld> WorldAsync()
    {
        await SeedGate.WaitAsync();
        try
        {
            if (!Worlds.TryGetValue(fixture, out var world))
            {
                world = await FilterWorld.SeedAsync(fixture.Http);
                Worlds[fixture] = world;
            }

            return world;
        }
        finally
        {
            SeedGate.Release();
        }
    }

    private static FieldSupport SupportOf(FilterGroup group, string leaf)
    {
        var parts = leaf.Split('.');
        var node = (FilterNode)group;
        foreach (var part in parts[..^1])
        {
            node = ((FilterGroup)node).Fields[part];
        }

        if (parts[^1] == "operator")
        {
            // An operator is as supported as the fields it combines.
            var leaves = FilterFields.Leaves((FilterGroup)node).Select(l => l.Leaf.Support).ToList();
            return leaves.Contains(FieldSupport.Implemented) ? FieldSupport.Implemented : leaves[0];
        }

        return ((FilterLeaf)((FilterGroup)node).Fields[parts[^1]]).Support;
    }

    /// <summary>What a criterion selecting <paramref name="matches"/> (of kind <paramref name="section"/>) selects of <paramref name="kind"/>.</summary>
    private static HashSet<string> Expected(FilterWorld world, string kind, string? scope, string section, string[] matches)
    {
        var candidates = world.Of(kind).Where(k => scope is null || InScope(k, scope));
        return section == kind
            ? candidates.Where(matches.Contains).ToHashSet()
            : candidates.Where(k => world.LinksOf(k).Overlaps(matches)).ToHashSet();
    }

    // Pool-scoped routes: pool-a's queues and workers.
    private static bool InScope(string key, string scope)
        => scope == "poolA" && key is "qa" or "defaultA" or "wOn" or "wOff";

    private async Task<List<string>> AskAsync(string route, string? scope, string answer, JsonObject body, FilterWorld world)
    {
        var path = route.TrimStart('/').Replace("{work_pool_name}", scope == "poolA" ? "pool-a" : "?");
        using var response = await FilterWorld.SendAsync(fixture.Http, HttpMethod.Post, path, WithWindow(answer, body, world));
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var items = answer switch
        {
            "count" => Enumerable.Range(0, doc.RootElement.GetInt32()).Select(i => $"#{i}").ToList(),
            "history" => Enumerable.Range(0, doc.RootElement.EnumerateArray().SelectMany(i => i.GetProperty("states").EnumerateArray()).Sum(st => st.GetProperty("count_runs").GetInt32()))
                .Select(i => $"#{i}").ToList(),
            "page" => doc.RootElement.GetProperty("results").EnumerateArray().Select(e => world.KeyOf(e.GetProperty("id").GetGuid()) ?? "?").ToList(),
            _ => doc.RootElement.EnumerateArray().Select(e => world.KeyOf(e.GetProperty("id").GetGuid()) ?? "?").ToList(),
        };
        if (answer == "page")
        {
            Assert.Equal(items.Count, doc.RootElement.GetProperty("count").GetInt32());
        }

        return items;
    }

    // History routes also need their window: daily intervals around every seeded run's expected start.
    private static JsonObject WithWindow(string answer, JsonObject body, FilterWorld world)
    {
        if (answer != "history")
        {
            return body;
        }

        var windowed = (JsonObject)body.DeepClone();
        windowed["history_start"] = world.Start.AddDays(-1).ToString("O");
        windowed["history_end"] = world.Start.AddDays(3).ToString("O");
        windowed["history_interval_seconds"] = 86400;
        return windowed;
    }

    private static void AssertAnswer(string what, string answer, HashSet<string> expected, List<string> actual)
    {
        if (answer is "count" or "history")
        {
            Assert.True(expected.Count == actual.Count, $"{what}: expected a count of {expected.Count}, got {actual.Count}");
            return;
        }

        Assert.True(expected.SetEquals(actual) && actual.Count == expected.Count,
            $"{what}: expected [{string.Join(", ", expected.Order())}], got [{string.Join(", ", actual.Order())}]");
    }

    private async Task AssertRefusedAsync(string route, string? scope, JsonObject body, string field)
    {
        var path = route.TrimStart('/').Replace("{work_pool_name}", scope == "poolA" ? "pool-a" : "?");
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        using var response = await fixture.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"expected 422, got {(int)response.StatusCode}: {text}");
        Assert.Contains(field, text);
    }

    /// <summary>The route's filter objects, from its request body schema: (body key, filter component).</summary>
    private static IEnumerable<(string Section, string Component)> Sections(string route)
    {
        var body = Spec.GetProperty("paths").GetProperty(route).GetProperty("post").GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        // A component for Prefect's published routes; inline for the /ui routes this project describes itself.
        var schema = RefName(body) is { } component ? Schemas.GetProperty(component) : body;
        foreach (var property in schema.GetProperty("properties").EnumerateObject())
        {
            if (RefName(property.Value) is { } c && KindOfComponent.ContainsKey(c))
            {
                yield return (property.Name, c);
            }
        }
    }

    /// <summary>Every leaf of a filter component, dotted (e.g. state.type.any_), operators included.</summary>
    private static IEnumerable<string> SchemaLeaves(string component, string prefix = "")
    {
        foreach (var property in Schemas.GetProperty(component).GetProperty("properties").EnumerateObject())
        {
            if (RefName(property.Value) is { } child && child != "Operator" && Schemas.GetProperty(child).TryGetProperty("properties", out _))
            {
                foreach (var leaf in SchemaLeaves(child, prefix + property.Name + "."))
                {
                    yield return leaf;
                }
            }
            else
            {
                yield return prefix + property.Name;
            }
        }
    }

    /// <summary>A value of the leaf's schema type (for leaves whose answer does not depend on the value).</summary>
    private static JsonNode SampleValue(string component, string leaf)
    {
        var parts = leaf.Split('.');
        var schema = Schemas.GetProperty(component);
        foreach (var part in parts[..^1])
        {
            schema = Schemas.GetProperty(RefName(schema.GetProperty("properties").GetProperty(part))!);
        }

        if (parts[^1] == "operator")
        {
            var group = new JsonObject { ["operator"] = "or_" };
            foreach (var sibling in schema.GetProperty("properties").EnumerateObject().Where(p => p.Name != "operator" && RefName(p.Value) is null))
            {
                group[sibling.Name] = ValueOf(sibling.Value);
            }

            return group;
        }

        return ValueOf(schema.GetProperty("properties").GetProperty(parts[^1]));
    }

    private static JsonNode ValueOf(JsonElement property)
    {
        var types = property.TryGetProperty("anyOf", out var anyOf) ? anyOf.EnumerateArray().Where(t => t.GetProperty("type").GetString() != "null").ToList() : [property];
        var type = RefName(types[0]) is { } named ? Schemas.GetProperty(named) : types[0];
        if (type.TryGetProperty("enum", out var values))
        {
            return values[0].GetString()!;
        }

        return type.GetProperty("type").GetString() switch
        {
            "array" => new JsonArray(ValueOf(type.GetProperty("items"))),
            "boolean" => true,
            "integer" => 1,
            "string" when type.TryGetProperty("format", out var f) && f.GetString() == "uuid" => Guid.NewGuid().ToString(),
            "string" when type.TryGetProperty("format", out var f) && f.GetString() == "date-time" => "2026-01-01T00:00:00Z",
            _ => "x",
        };
    }

    private static JsonObject Body(string section, string leaf, JsonNode value)
    {
        var parts = leaf.Split('.');
        if (parts[^1] == "operator")
        {
            parts = parts[..^1];
        }

        var root = new JsonObject();
        var current = root;
        var path = new[] { section }.Concat(parts).ToArray();
        for (var i = 0; i < path.Length - 1; i++)
        {
            var next = new JsonObject();
            current[path[i]] = next;
            current = next;
        }

        current[path[^1]] = value.DeepClone();
        return root;
    }

    private static string? RefName(JsonElement schema)
    {
        if (schema.TryGetProperty("$ref", out var r))
        {
            return r.GetString()!.Split('/')[^1];
        }

        return schema.TryGetProperty("anyOf", out var anyOf)
            ? anyOf.EnumerateArray().Select(RefName).FirstOrDefault(n => n is not null)
            : null;
    }
}

public sealed class SqliteFilterFieldTests(SqliteServerFixture fixture) : FilterFieldTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresFilterFieldTests(PostgresServerFixture fixture) : FilterFieldTests(fixture), IClassFixture<PostgresServerFixture>;
