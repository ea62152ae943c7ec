namespace Flows.Generators.Tests;

/// <summary>A project with a flow for every supported parameter type family.</summary>
internal static class TypeFlowsSource
{
    public const string Text = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Flows;

        namespace App;

        public enum Color { Red, Green, Blue }

        public sealed record Address(string Street, int Number = 1);

        public sealed record Order(int Id, Address ShipTo, List<string> Items)
        {
            public string? Note { get; init; }
        }

        public sealed class Options
        {
            public int Retries { get; set; } = 3;
            public bool Verbose { get; set; }
        }

        public static class TypeFlows
        {
            [Flow]
            public static void Scalars(string s, bool b, int i, long l, short sh, byte by, sbyte sb, ushort us, uint ui, ulong ul, double d, float f, decimal m) { }

            [Flow]
            public static void Times(DateTime at, DateTimeOffset when, TimeSpan timeout, Guid id) { }

            [Flow]
            public static void Defaults(string name = "Marvin", int count = 3, double ratio = 0.5, bool dry = false, Color color = Color.Green, string? note = null, int? limit = null, decimal price = 9.99m) { }

            [Flow]
            public static void Collections(string[] names, List<int> counts, IReadOnlyList<Color> colors, Dictionary<string, int> sizes, IReadOnlyDictionary<string, List<string>> groups, HashSet<string> unique) { }

            [Flow]
            public static void Objects(Order order, Options? options = null, Address[]? addresses = null) { }

            [Flow]
            public static void Nullables(int? maybe, string? text, Color? color, DateTime? at) { }

            /// <summary>
            /// Adds <paramref name="x"/> up.
            /// </summary>
            /// <param name="x">The x.</param>
            [Flow]
            public static int Documented(int x) => x;

            [Flow("etl")]
            public static async Task<string> RunEtlAsync(CancellationToken cancellationToken, int batch = 10)
            {
                await Task.Delay(1, cancellationToken);
                return "done " + batch;
            }
        }
        """;
}
