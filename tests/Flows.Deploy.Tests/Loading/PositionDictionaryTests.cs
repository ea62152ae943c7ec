using Flows.Deploy.Diagnostics;
using Flows.Deploy.Loading;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Flows.Deploy.Tests.Loading;

/// <summary>The loader's position tree answers exactly what a map of every value's JSON Pointer (aliases copying their
/// anchor's inner positions, as the loader used to keep) answers.</summary>
public class PositionDictionaryTests
{
    private const string Bench = """
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

    private const string Shapes = """
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

    public static TheoryData<string> Documents => new()
    {
        Bench,
        Shapes,
        File.ReadAllText(Path.Combine(YamlDocumentLoaderTests.FindRepoRoot(), "samples", "hello", "prefect.yaml")),
        "a: &a {x: 1, y: [1, 2]}\nb:\n  <<: *a\n  <<: {z: 3}\n  x/y~z: *a\nc: [*a, *a]\n",
        "a: &a {k: v}\nb:\n  <<: [*a]\n  '<<': {q: 1}\n",
    };

    [Theory]
    [MemberData(nameof(Documents))]
    public void AnswersLikeAMapOfEveryPointer(string yaml)
    {
        var doc = YamlDocumentLoader.Load("p.yaml", yaml);
        var expected = Reference(yaml);
        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), doc.Positions.OrderBy(p => p.Key, StringComparer.Ordinal));
        foreach (var pointer in expected.Keys.SelectMany(p => new[] { p, p + "/nope", p + "/0", p + "/00", p + "/", p + "/-1" }).Append("nope").Append("nope/x"))
        {
            Assert.Equal(ReferencePositionOf(expected, pointer), doc.PositionOf(pointer));
        }
    }

    private static (int, int) ReferencePositionOf(Dictionary<string, (int Line, int Column)> positions, string pointer)
    {
        while (true)
        {
            if (positions.TryGetValue(pointer, out var p))
            {
                return p;
            }

            var slash = pointer.LastIndexOf('/');
            if (slash < 0)
            {
                return (1, 1);
            }

            pointer = pointer[..slash];
        }
    }

    private static Dictionary<string, (int Line, int Column)> Reference(string yaml)
    {
        var positions = new Dictionary<string, (int Line, int Column)>();
        var recorded = new List<(string Pointer, (int, int) Position)>();
        var anchors = new Dictionary<string, List<(string Suffix, (int, int) Position)>>();
        var parser = new Parser(new StringReader(yaml));
        parser.Consume<StreamStart>();
        parser.Consume<DocumentStart>();
        Read("");
        return positions;

        void Record(string pointer, (int, int) position)
        {
            positions[pointer] = position;
            recorded.Add((pointer, position));
        }

        void Read(string pointer)
        {
            var start = parser.Current!.Start;
            Record(pointer, ((int)start.Line, (int)start.Column));
            var first = recorded.Count;
            if (parser.TryConsume<AnchorAlias>(out var alias))
            {
                foreach (var (suffix, pos) in anchors[alias.Value.Value])
                {
                    Record(pointer + suffix, pos);
                }

                return;
            }

            AnchorName anchor;
            if (parser.TryConsume<Scalar>(out var scalar))
            {
                anchor = scalar.Anchor;
            }
            else if (parser.TryConsume<SequenceStart>(out var seq))
            {
                anchor = seq.Anchor;
                for (var i = 0; !parser.TryConsume<SequenceEnd>(out _); i++)
                {
                    Read($"{pointer}/{i}");
                }
            }
            else
            {
                anchor = parser.Consume<MappingStart>().Anchor;
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var key = parser.Consume<Scalar>().Value;
                    Read($"{pointer}/{key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)}");
                }
            }

            if (!anchor.IsEmpty)
            {
                anchors[anchor.Value] = recorded.Skip(first).Select(r => (r.Pointer[pointer.Length..], r.Position)).ToList();
            }
        }
    }
}
