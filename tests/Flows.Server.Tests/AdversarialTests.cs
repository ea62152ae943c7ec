using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Flows.Server.Tests;

/// <summary>
/// Every operation of the OpenAPI subset (the route walk's list) sent hostile input: malformed JSON, bodies of the wrong
/// shape, each declared field with a value of the wrong type, a huge and a deeply nested body, unknown fields,
/// oversize lists, bad ids in the path, non-JSON bodies and cross-site requests. None may answer 5xx; every error is
/// a JSON object with a <c>detail</c> (Prefect's shape); the inputs that can only be wrong must be 4xx, and cross-site
/// and non-JSON ones exactly 403 and 415; meanwhile other clients keep being served. The counts by status are printed.
/// </summary>
public abstract class AdversarialTests(ServerFixture fixture, ITestOutputHelper output)
{
    private const string Uuid = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

    private static JsonElement Spec { get; } = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "prefect-openapi-subset.json"))).RootElement;

    private static readonly string[] BadIds = ["not-a-uuid", "' OR 1=1 --", new string('9', 4_000)];

    [Fact]
    public async Task Every_route_answers_hostile_input_with_a_4xx_and_keeps_serving()
    {
        using var raw = new HttpClient { BaseAddress = fixture.Http.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        var statuses = new ConcurrentDictionary<int, int>();
        var failures = new ConcurrentQueue<string>();
        using var done = new CancellationTokenSource();
        var bystander = Task.Run(() => BystanderAsync(raw, done.Token));

        var probes = Probes().ToList();
        await Parallel.ForEachAsync(probes, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (probe, ct) =>
        {
            using var request = probe.Build();
            HttpResponseMessage response;
            try
            {
                response = await raw.SendAsync(request, ct);
            }
            catch (HttpRequestException ex)
            {
                failures.Enqueue($"{probe.What} → no answer: {ex.Message} {ex.InnerException?.Message}");
                return;
            }

            using var _ = response;
            var text = await response.Content.ReadAsStringAsync(ct);
            var status = (int)response.StatusCode;
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            if (Problem(probe, status, text) is { } problem)
            {
                failures.Enqueue($"{probe.What} → {status}: {problem}: {Shorten(text)}");
            }
        });

        await done.CancelAsync();
        var (served, refused) = await bystander;
        output.WriteLine($"Adversarial requests tried: {probes.Count}; answers by status: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}");
        output.WriteLine($"Bystander requests served meanwhile: {served} (failed: {refused})");
        Assert.True(failures.IsEmpty, $"{failures.Count} bad answers:\n" + string.Join("\n", failures.Take(40)));
        Assert.True(served > 0 && refused == 0, $"bystander: {served} served, {refused} failed");
    }

    private static string? Problem(Probe probe, int status, string text)
    {
        if (status >= 500)
        {
            return "server error";
        }

        if (probe.Expected is { } expected && status != expected)
        {
            return $"expected {expected}";
        }

        if (probe.MustFail && status < 400)
        {
            return "accepted";
        }

        if (status < 400)
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("detail", out var detail))
            {
                return "error body without detail";
            }

            return detail.ValueKind switch
            {
                JsonValueKind.String => null,
                JsonValueKind.Array when detail.EnumerateArray().All(d => d.TryGetProperty("loc", out _) && d.TryGetProperty("msg", out _)) => null,
                _ => "detail is neither a message nor a list of {loc, msg}",
            };
        }
        catch (JsonException)
        {
            return "error body is not JSON";
        }
    }

    // Other clients during the walk: a worker's poll-like read and a health probe, one after another.
    private static async Task<(int Served, int Failed)> BystanderAsync(HttpClient http, CancellationToken stop)
    {
        var (served, failed) = (0, 0);
        while (!stop.IsCancellationRequested)
        {
            using var filter = await http.PostAsync("flows/filter", new StringContent("{}", Encoding.UTF8, "application/json"), CancellationToken.None);
            using var health = await http.GetAsync("health", CancellationToken.None);
            if (filter.IsSuccessStatusCode && health.IsSuccessStatusCode)
            {
                served += 2;
            }
            else
            {
                failed++;
            }

            await Task.Delay(20, CancellationToken.None);
        }

        return (served, failed);
    }

    private static IEnumerable<Probe> Probes()
    {
        var hugeSent = 0;
        foreach (var path in Spec.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var method = new HttpMethod(operation.Name.ToUpperInvariant());
                var url = Url(path.Name, Fill);
                var changes = method != HttpMethod.Get && method != HttpMethod.Head;
                var hasBody = operation.Value.TryGetProperty("requestBody", out var requestBody);
                var label = $"{method} {path.Name}";

                if (path.Name.Contains('{', StringComparison.Ordinal))
                {
                    foreach (var bad in BadIds)
                    {
                        yield return new Probe($"{label} id={bad[..Math.Min(bad.Length, 12)]}", method, Url(path.Name, s => s.StartsWith('{') ? Uri.EscapeDataString(bad) : s), hasBody ? "{}" : null)
                        {
                            MustFail = HasUuidPathParameter(operation.Value),
                        };
                    }
                }

                if (changes)
                {
                    yield return new Probe($"{label} Origin", method, url, hasBody ? "{}" : null) { Headers = [("Origin", "http://evil.example")], Expected = 403 };
                    yield return new Probe($"{label} Sec-Fetch-Site", method, url, hasBody ? "{}" : null) { Headers = [("Sec-Fetch-Site", "cross-site")], Expected = 403 };
                }

                if (!hasBody)
                {
                    continue;
                }

                yield return new Probe($"{label} text/plain", method, url, "{}") { ContentType = "text/plain", Expected = 415 };
                yield return new Probe($"{label} malformed", method, url, """{"name": "x", """) { MustFail = true };
                yield return new Probe($"{label} number body", method, url, "12345") { MustFail = true };
                yield return new Probe($"{label} deep", method, url, "{\"a\": " + new string('[', 5_000) + new string(']', 5_000) + "}") { MustFail = true };
                yield return new Probe($"{label} unknown fields", method, url, """{"zz_unknown": {"nested": [1, 2, 3]}, "another_unknown": "x"}""");
                yield return new Probe($"{label} 1 MB strings", method, url, $$"""{"name": "{{new string('n', 1_000_000)}}", "description": "x"}""");
                if (hugeSent++ % 25 == 0)
                {
                    // Sent as a careful client does (Expect: 100-continue), so the refusal comes before the body.
                    yield return new Probe($"{label} 9 MiB", method, url, $$"""{"name": "{{new string('h', 9 * 1024 * 1024)}}"}""") { MustFail = true, ExpectContinue = true };
                }

                var schema = Resolve(requestBody.GetProperty("content").GetProperty("application/json").GetProperty("schema"));
                if (!schema.TryGetProperty("properties", out var properties))
                {
                    continue;
                }

                foreach (var property in properties.EnumerateObject())
                {
                    var propertySchema = Resolve(property.Value);
                    yield return new Probe($"{label} {property.Name}=wrong type", method, url, new JsonObject { [property.Name] = WrongValue(propertySchema) }.ToJsonString());
                    if (Types(propertySchema).Contains("array"))
                    {
                        yield return new Probe($"{label} {property.Name}=20k items", method, url,
                            new JsonObject { [property.Name] = new JsonArray([.. Enumerable.Range(0, 20_000).Select(i => (JsonNode?)Guid.NewGuid().ToString())]) }.ToJsonString());
                    }

                    if (Types(propertySchema).Contains("object") && property.Name.EndsWith('s') && path.Name.EndsWith("/filter", StringComparison.Ordinal))
                    {
                        // A filter's any_ past both databases' parameter limits: a 422 where the filter becomes SQL (stored
                        // objects); objects this server does not store match nothing without binding a value, so 200 is fine.
                        yield return new Probe($"{label} {property.Name}.id.any_=40k", method, url,
                            new JsonObject { [property.Name] = new JsonObject { ["id"] = new JsonObject { ["any_"] = new JsonArray([.. Enumerable.Range(0, 40_000).Select(i => (JsonNode?)Guid.NewGuid().ToString())]) } } }.ToJsonString())
                        {
                            MustFail = StoredFilters.Contains(property.Name) && StoredFilters.Any(f => path.Name == $"/{f}/filter"),
                        };
                    }
                }
            }
        }
    }

    // The filter objects this server compiles to SQL (FilterFields), on the routes of the objects it stores.
    private static readonly string[] StoredFilters = ["flows", "flow_runs", "deployments", "work_pools", "work_queues", "workers", "logs", "variables"];

    private static bool HasUuidPathParameter(JsonElement operation)
        => operation.TryGetProperty("parameters", out var parameters)
           && parameters.EnumerateArray().Any(p => p.GetProperty("in").GetString() == "path"
               && p.TryGetProperty("schema", out var schema) && schema.TryGetProperty("format", out var format) && format.GetString() == "uuid");

    private static string Url(string template, Func<string, string> fill)
        => string.Join('/', template.Split('/').Select(fill)).TrimStart('/');

    private static string Fill(string segment) => segment switch
    {
        "{view}" => "aggregate-worker-metadata",
        "{countable}" => "day",
        _ when segment.StartsWith('{') && segment.Contains("id", StringComparison.Ordinal) => Uuid,
        _ when segment.StartsWith('{') => "nothing-here",
        _ => segment,
    };

    private static JsonElement Resolve(JsonElement schema)
    {
        while (schema.TryGetProperty("$ref", out var reference))
        {
            schema = reference.GetString()!.TrimStart('#', '/').Split('/').Aggregate(Spec, (node, part) => node.GetProperty(part.Replace("~1", "/").Replace("~0", "~")));
        }

        return schema;
    }

    private static HashSet<string> Types(JsonElement schema)
    {
        var types = new HashSet<string>();
        if (schema.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String)
        {
            types.Add(type.GetString()!);
        }

        foreach (var combinator in new[] { "anyOf", "oneOf", "allOf" })
        {
            if (schema.TryGetProperty(combinator, out var options))
            {
                foreach (var option in options.EnumerateArray())
                {
                    types.UnionWith(Types(Resolve(option)));
                }
            }
        }

        return types;
    }

    // A value none of the property's types accepts (anything for an untyped property, which takes any value).
    private static JsonNode WrongValue(JsonElement schema)
    {
        var types = Types(schema);
        if (!types.Contains("object"))
        {
            return new JsonObject { ["unexpected"] = new JsonArray(1, "two", null) };
        }

        return !types.Contains("array") ? new JsonArray(1, 2, 3) : !types.Contains("boolean") ? JsonValue.Create(true) : JsonValue.Create(-1);
    }

    private static string Shorten(string text) => text.Length > 300 ? text[..300] + "…" : text;

    private sealed record Probe(string What, HttpMethod Method, string Url, string? Body)
    {
        public string ContentType { get; init; } = "application/json";

        public (string Name, string Value)[] Headers { get; init; } = [];

        public int? Expected { get; init; }

        public bool MustFail { get; init; }

        public bool ExpectContinue { get; init; }

        public HttpRequestMessage Build()
        {
            var request = new HttpRequestMessage(Method, Url);
            request.Headers.ExpectContinue = ExpectContinue;
            if (Body is not null)
            {
                request.Content = new StringContent(Body, Encoding.UTF8);
                request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(ContentType);
            }

            foreach (var (name, value) in Headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            return request;
        }
    }
}

public sealed class SqliteAdversarialTests(SqliteServerFixture fixture, ITestOutputHelper output) : AdversarialTests(fixture, output), IClassFixture<SqliteServerFixture>;

public sealed class PostgresAdversarialTests(PostgresServerFixture fixture, ITestOutputHelper output) : AdversarialTests(fixture, output), IClassFixture<PostgresServerFixture>;
