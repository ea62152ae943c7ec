using System.Net;
using System.Text;
using System.Text.Json;

namespace Flows.Server.Tests;

/// <summary>
/// Every operation of the OpenAPI subset (the routes this server claims) is called with ids that do not exist and
/// with an empty or minimal body: none may answer 500 or the fallback's route-level 404, every error is JSON with a
/// detail, and every success body matches the operation's response schema.
/// </summary>
public abstract class RouteWalkTests(ServerFixture fixture)
{
    private static JsonElement Spec { get; } = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "prefect-openapi-subset.json"))).RootElement;

    [Fact]
    public async Task Every_route_of_the_subset_answers_without_500_or_missing_route()
    {
        using var raw = new HttpClient { BaseAddress = fixture.Http.BaseAddress };
        var failures = new List<string>();
        foreach (var path in Spec.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                foreach (var body in BodiesFor(operation.Value))
                {
                    var url = string.Join('/', path.Name.Split('/').Select(Fill)).TrimStart('/') + QueryFor(operation.Value);
                    using var request = new HttpRequestMessage(new HttpMethod(operation.Name.ToUpperInvariant()), url);
                    if (body is not null)
                    {
                        request.Content = new StringContent(body, Encoding.UTF8, "application/json");
                    }

                    using var response = await raw.SendAsync(request);
                    var text = await response.Content.ReadAsStringAsync();
                    var what = $"{operation.Name.ToUpperInvariant()} {path.Name} {body}";
                    try
                    {
                        Check(path.Name, operation, response.StatusCode, text);
                    }
                    catch (Exception ex) when (ex is InvalidOperationException or JsonException)
                    {
                        failures.Add($"{what} → {(int)response.StatusCode}: {ex.Message}");
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static void Check(string template, JsonProperty operation, HttpStatusCode status, string text)
    {
        if ((int)status >= 500)
        {
            throw new InvalidOperationException("server error: " + text);
        }

        if ((int)status >= 400)
        {
            using var doc = JsonDocument.Parse(text);
            var detail = doc.RootElement.GetProperty("detail");
            if (status == HttpStatusCode.NotFound && detail.ValueKind == JsonValueKind.String && detail.GetString() == "Not Found")
            {
                throw new InvalidOperationException("the route is missing");
            }

            return;
        }

        var responses = operation.Value.GetProperty("responses");
        var key = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        key = responses.TryGetProperty(key, out _) ? key : "200";
        if (text.Length > 0 && responses.TryGetProperty(key, out var r) && r.TryGetProperty("content", out _))
        {
            var pointer = $"/paths/{template.Replace("~", "~0").Replace("/", "~1")}/{operation.Name}/responses/{key}/content/application~1json/schema";
            OpenApiValidatingHandler.Validate(pointer, text, $"{operation.Name} {template} {key}");
        }
    }

    // Ids that name nothing; names that name nothing (except the one view every server has).
    private static string Fill(string segment) => segment switch
    {
        "{view}" => "aggregate-worker-metadata",
        "{countable}" => "day",
        _ when segment.StartsWith('{') && (segment.Contains("id") || segment == "{id}") => "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        _ when segment.StartsWith('{') => "nothing-here",
        _ => segment,
    };

    private static string QueryFor(JsonElement operation)
    {
        if (!operation.TryGetProperty("parameters", out var parameters))
        {
            return string.Empty;
        }

        var required = parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query" && p.TryGetProperty("required", out var r) && r.GetBoolean())
            .Select(p => p.GetProperty("name").GetString() + "=" + (p.GetProperty("name").GetString()!.Contains("id") ? "3fa85f64-5717-4562-b3fc-2c963f66afa6" : "x"));
        var query = string.Join('&', required);
        return query.Length == 0 ? string.Empty : "?" + query;
    }

    // No body where none is taken; otherwise an empty object, an empty list, and a hostile non-object.
    private static IEnumerable<string?> BodiesFor(JsonElement operation)
    {
        if (!operation.TryGetProperty("requestBody", out _))
        {
            yield return null;
            yield break;
        }

        yield return "{}";
        yield return "[]";
        yield return "\"x\"";
    }
}

public sealed class SqliteRouteWalkTests(SqliteServerFixture fixture) : RouteWalkTests(fixture), IClassFixture<SqliteServerFixture>;

public sealed class PostgresRouteWalkTests(PostgresServerFixture fixture) : RouteWalkTests(fixture), IClassFixture<PostgresServerFixture>;
