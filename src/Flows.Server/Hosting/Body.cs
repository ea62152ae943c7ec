using System.Text.Json;
using Flows.Api.Json;
using Microsoft.AspNetCore.Http;

namespace Flows.Server.Hosting;

/// <summary>Reads request bodies: malformed JSON or a missing required field is a 422 with the reason.</summary>
internal static class Body
{
    /// <summary>Longest name of any object (flows, runs, deployments, pools, queues, workers, variables, loggers).</summary>
    public const int MaxNameLength = 500;

    /// <summary>Most schedules one deployment holds (each makes up to 100 future runs).</summary>
    public const int MaxSchedulesPerDeployment = 100;

    /// <summary>Longest state message (a crash's message carries an exception's text, not a whole log).</summary>
    public const int MaxStateMessageLength = 64 * 1024;

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

        CheckLength(name, MaxNameLength, "body", "name");
        if (name.IndexOfAny(['/', '%', '&', '>', '<']) >= 0)
        {
            throw ApiException.Invalid($"{what} name '{name}' must not contain any of / % & > <.");
        }
    }

    /// <summary>A 422 naming the field when <paramref name="value"/> is longer than <paramref name="max"/> characters.</summary>
    public static void CheckLength(string? value, int max, params string[] location)
    {
        if (value is not null && value.Length > max)
        {
            throw ApiException.Validation(location, $"String should have at most {max} characters", "string_too_long");
        }
    }

    /// <summary>The message of a proposed or initial state, within <see cref="MaxStateMessageLength"/>.</summary>
    public static void CheckState(Flows.Api.Models.StateCreate? state)
        => CheckLength(state?.Message, MaxStateMessageLength, "body", "state", "message");

    /// <summary>A 422 on <paramref name="location"/> when a deployment would hold more than <see cref="MaxSchedulesPerDeployment"/> schedules.</summary>
    public static void CheckScheduleCount(int count, params string[] location)
    {
        if (count > MaxSchedulesPerDeployment)
        {
            throw ApiException.Validation(location, $"A deployment holds at most {MaxSchedulesPerDeployment} schedules; this would make {count}", "too_long");
        }
    }
}
