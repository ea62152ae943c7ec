using System.Text;
using System.Text.Json;
using Json.Schema;

namespace Flows.Server.Tests;

/// <summary>
/// Sits between the client and the server and checks every request and response body against the
/// OpenAPI subset (3.1, so component schemas are JSON Schema 2020-12). The whole document is
/// registered as a base document so <c>#/components/schemas/…</c> refs resolve. Error answers outside
/// the spec (404/409/…) must at least be <c>{"detail": …}</c>. Any mismatch fails the test.
/// </summary>
public sealed class OpenApiValidatingHandler : DelegatingHandler
{
    private static readonly Uri DocumentUri = new("https://flows.test/prefect-openapi-subset.json");
    private static readonly Lazy<(JsonElement Document, BuildOptions Options)> Spec = new(Load);

    public OpenApiValidatingHandler() : base(new SocketsHttpHandler())
    {
    }

    /// <summary>Operations checked so far, as "METHOD /path-template status".</summary>
    public List<string> Checked { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var (template, operation) = FindOperation(request.Method.Method.ToLowerInvariant(), request.RequestUri!.AbsolutePath);
        if (request.Content is not null)
        {
            var body = await request.Content.ReadAsStringAsync(cancellationToken);
            if (operation is not null && operation.Value.TryGetProperty("requestBody", out _))
            {
                Validate(Pointer(template!, request.Method.Method.ToLowerInvariant(), "requestBody/content/application~1json/schema"), body, $"request {request.Method} {template}");
            }
        }

        var response = await base.SendAsync(request, cancellationToken);
        var text = response.Content is null ? string.Empty : await response.Content.ReadAsStringAsync(cancellationToken);
        var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!response.IsSuccessStatusCode)
        {
            using var doc = JsonDocument.Parse(text);
            if (!doc.RootElement.TryGetProperty("detail", out _))
            {
                throw new InvalidOperationException($"{request.Method} {request.RequestUri} answered {status} without a JSON detail: {text}");
            }
        }
        else if (operation is not null && text.Length > 0)
        {
            // Prefect answers 201 for a created flow/deployment where the spec lists only 200.
            var responses = operation.Value.GetProperty("responses");
            var key = responses.TryGetProperty(status, out _) ? status : "200";
            if (responses.TryGetProperty(key, out var r) && r.TryGetProperty("content", out _))
            {
                Validate(Pointer(template!, request.Method.Method.ToLowerInvariant(), $"responses/{key}/content/application~1json/schema"), text, $"response {request.Method} {template} {status}");
            }
        }

        if (operation is null && response.IsSuccessStatusCode)
        {
            Checked.Add($"{request.Method} {request.RequestUri!.AbsolutePath} (outside the subset)");
        }
        else
        {
            Checked.Add($"{request.Method} {template} {status}");
        }

        response.Content = new StringContent(text, Encoding.UTF8, "application/json");
        return response;
    }

    public static void Validate(string pointer, string json, string what)
    {
        var (_, options) = Spec.Value;
        var schema = JsonSchema.FromText($$"""{"$ref": "{{DocumentUri}}#{{pointer}}"}""", options, new Uri($"https://flows.test/check/{Guid.NewGuid()}"));
        using var instance = JsonDocument.Parse(json);
        var result = schema.Evaluate(instance.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        if (!result.IsValid)
        {
            var errors = (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                .Select(d => $"{d.InstanceLocation}: {string.Join(", ", d.Errors!.Values)}").Take(10);
            throw new InvalidOperationException($"{what} does not match the OpenAPI subset:\n{string.Join("\n", errors)}\nbody: {json}");
        }
    }

    private static string Pointer(string template, string method, string rest)
        => $"/paths/{template.Replace("~", "~0").Replace("/", "~1")}/{method}/{rest}";

    private static (string? Template, JsonElement? Operation) FindOperation(string method, string absolutePath)
    {
        var path = absolutePath.StartsWith("/api", StringComparison.Ordinal) ? absolutePath[4..] : absolutePath;
        var segments = path.Split('/');
        foreach (var p in Spec.Value.Document.GetProperty("paths").EnumerateObject())
        {
            var t = p.Name.Split('/');
            if (t.Length == segments.Length && t.Zip(segments).All(x => (x.First.StartsWith('{') && x.Second.Length > 0) || x.First == x.Second)
                && p.Value.TryGetProperty(method, out var op))
            {
                // A literal segment beats a parameter: /deployments/filter is not /deployments/{id}.
                if (t.Zip(segments).Any(x => x.First.StartsWith('{') && Spec.Value.Document.GetProperty("paths").TryGetProperty(string.Join('/', t.Zip(segments).Select(y => y.First == x.First ? y.Second : y.First)), out var lit) && lit.TryGetProperty(method, out _)))
                {
                    continue;
                }

                return (p.Name, op);
            }
        }

        return (null, null);
    }

    private static (JsonElement, BuildOptions) Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Reference", "prefect-openapi-subset.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var document = doc.RootElement.Clone();
        var registry = new SchemaRegistry();
        registry.Register(DocumentUri, new JsonElementBaseDocument(document, DocumentUri));
        return (document, new BuildOptions { SchemaRegistry = registry, Dialect = Dialect.Draft202012 });
    }
}
