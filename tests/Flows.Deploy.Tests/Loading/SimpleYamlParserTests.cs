using System.Text;
using Flows.Deploy.Loading;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Flows.Deploy.Tests.Loading;

/// <summary>SimpleYamlParser must give exactly YamlDotNet's events for every text it accepts (the loader reads their
/// kind, value, style, anchor, tag and start position), and refuse what YamlDotNet refuses.</summary>
public class SimpleYamlParserTests
{
    internal const string Bench = """
        build:
        - prefect.deployments.steps.run_shell_script:
            id: get-commit-hash
            script: git rev-parse --short HEAD
        - prefect_docker.deployments.steps.build_docker_image:
            id: build-image
            image_name: "{{ $PREFECT_IMAGE_NAME ?? registry.example/flows }}"
            tag: "{{ get-commit-hash.stdout }}"
            dockerfile: auto
            platform: linux/amd64
        push:
        - prefect_docker.deployments.steps.push_docker_image:
            image_name: "{{ build-image.image_name }}"
            tag: "{{ build-image.tag }}"
        pull:
        - prefect.deployments.steps.set_working_directory:
            directory: /opt/prefect/flows
        definitions:
          tags: &common_tags ["eks", "{{ get-commit-hash.stdout }}"]
          work_pool: &common_work_pool
            name: kubernetes
            job_variables:
              image: "{{ build-image.image }}"
        deployments:
        - name: d0
          tags: *common_tags
          entrypoint: HelloFlows.cs:hello
          parameters:
            name: n0
          work_pool: *common_work_pool
        - name: d1
          tags: *common_tags
          entrypoint: HelloFlows.cs:hello
          parameters:
            name: n1
          work_pool: *common_work_pool

        """;

    internal const string Shapes = """
        # a comment
        name: flows   # trailing comment
        prefect-version: 3.0.0
        numbers: [1, -2, 3.5, 1e3, true, null, ~, 'single', "dou'ble", plain text]
        empty: []
        quoted: 'it"s'
        anchored: &v 42
        again: *v
        base: &b
          a: 1
          b: two
        merged:
          <<: *b
          b: 3
        list:
          - a
          - "b"   # c
          -   c d
          - key: v
            other: w
          -   spaced: x
        indentless:
        - x
        - y: 1
          z: [a, b]
        deep:
          deeper:
            deepest:
              - 1
        url: http://example.com/a#b
        colon: a:b
        dollar$: $X
        """;

    public static TheoryData<string> Accepted => new()
    {
        Bench,
        Shapes,
        File.ReadAllText(Path.Combine(YamlDocumentLoaderTests.FindRepoRoot(), "samples", "hello", "prefect.yaml")),
        "a: 1",
        "a: 1\n",
        "a:\n  b: 1\nc: 2\n",
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void AcceptsThePlainShapeWithYamlDotNetsEvents(string yaml)
    {
        var simple = SimpleYamlParser.TryCreate(yaml);
        Assert.NotNull(simple);
        Assert.Equal(Events(new Parser(new StringReader(yaml))), Events(simple));
    }

    [Theory]
    [InlineData("a: [1, 2\nb: c")]
    [InlineData("a:\n  b: 1\n c: 2")]
    [InlineData("a: b: c")]
    [InlineData("a: 'x\n  y'")]
    [InlineData("a: |\n  text\n")]
    [InlineData("a: !!str 1")]
    [InlineData("a:\nb: 1")]
    [InlineData("a: x\n  continued")]
    [InlineData("- a\n- b")]
    [InlineData("a: 1\n---\nb: 2")]
    [InlineData("a: \"esc\\n\"")]
    [InlineData("a:\t1")]
    [InlineData("a: {b: 1}")]
    [InlineData("a: [b, ]")]
    [InlineData("\"a\": 1")]
    public void RefusesWhatItDoesNotKnow(string yaml) => Assert.Null(SimpleYamlParser.TryCreate(yaml));

    // Every text a random edit makes of the bench and shapes files: accepted only with YamlDotNet's events, never when
    // YamlDotNet fails.
    [Fact]
    public void MutantsAreRefusedOrReadLikeYamlDotNet()
    {
        var random = new Random(1234);
        const string alphabet = " \n-:#&*[],'\"ab1.{}|>!<";
        var accepted = 0;
        foreach (var seed in new[] { Bench, Shapes })
        {
            for (var n = 0; n < 3000; n++)
            {
                var text = new StringBuilder(seed);
                for (var edits = random.Next(1, 4); edits > 0; edits--)
                {
                    var at = random.Next(text.Length);
                    switch (random.Next(3))
                    {
                        case 0:
                            text.Remove(at, 1);
                            break;
                        case 1:
                            text.Insert(at, alphabet[random.Next(alphabet.Length)]);
                            break;
                        default:
                            text[at] = alphabet[random.Next(alphabet.Length)];
                            break;
                    }
                }

                var yaml = text.ToString();
                var simple = SimpleYamlParser.TryCreate(yaml);
                if (simple is null)
                {
                    continue;
                }

                accepted++;
                List<string> expected;
                try
                {
                    expected = Events(new Parser(new StringReader(yaml)));
                }
                catch (Exception ex) when (ex is YamlException or InvalidOperationException)
                {
                    Assert.Fail($"accepted what YamlDotNet refuses ({ex.Message}):\n{yaml}");
                    return;
                }

                var actual = Events(simple);
                if (!expected.SequenceEqual(actual))
                {
                    var i = expected.Zip(actual).TakeWhile(p => p.First == p.Second).Count();
                    Assert.Fail($"event {i}: expected {expected.ElementAtOrDefault(i)}, got {actual.ElementAtOrDefault(i)} in:\n{yaml}");
                }
            }
        }

        Assert.True(accepted > 500, $"only {accepted} mutants were of the plain shape");
    }

    private static List<string> Events(IParser parser)
    {
        var events = new List<string>();
        while (parser.MoveNext())
        {
            events.Add(parser.Current switch
            {
                Scalar s => $"Scalar {s.Anchor} {s.Tag} {s.Style} '{s.Value}' at {Where(s)}",
                AnchorAlias a => $"Alias {a.Value} at {Where(a)}",
                MappingStart m => $"MappingStart {m.Anchor} {m.Tag} at {Where(m)}",
                SequenceStart q => $"SequenceStart {q.Anchor} {q.Tag} at {Where(q)}",
                var e => e!.GetType().Name,
            });
        }

        return events;
    }

    private static string Where(ParsingEvent e) => $"{e.Start.Line}:{e.Start.Column} ({e.Start.Index})";
}
