using System.Text.Json;
using Flows.Api.Json;
using Microsoft.AspNetCore.Http;

namespace Flows.Server.Hosting;

/// <summary>Reads request bodies: malformed JSON or a missing required field is a 422 with the reason.</summary>
internal static class Body
{
    public static async Task<T> ReadAsync<T>(HttpRequest request, bool allowEmpty = false)
        where T : class, new()
    {
        try
        {
            if (request.ContentLength == 0 && allowEmpty)
            {
                return new T();
            }

            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, PrefectJson.Options, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return value ?? (allowEmpty ? new T() : throw ApiException.Invalid("The request body must be a JSON object."));
        }
        catch (JsonException ex)
        {
            throw ApiException.Invalid($"Invalid request body: {ex.Message}");
        }
    }

    public static async Task<List<T>> ReadListAsync<T>(HttpRequest request)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<List<T>>(request.Body, PrefectJson.Options, request.HttpContext.RequestAborted).ConfigureAwait(false)
                ?? throw ApiException.Invalid("The request body must be a JSON array.");
        }
        catch (JsonException ex)
        {
            throw ApiException.Invalid($"Invalid request body: {ex.Message}");
        }
    }

    public static IResult Json<T>(T value, int status = 200)
        => Results.Json(value, PrefectJson.Options, statusCode: status);

    public static Guid Id(string text)
        => Guid.TryParse(text, out var id) ? id : throw ApiException.Invalid($"'{text}' is not a valid UUID.");

    public static void CheckName(string? name, string what)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw ApiException.Invalid($"{what} name must not be empty.");
        }

        if (name.IndexOfAny(['/', '%', '&', '>', '<']) >= 0)
        {
            throw ApiException.Invalid($"{what} name '{name}' must not contain any of / % & > <.");
        }
    }
}
