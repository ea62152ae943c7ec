using System.Diagnostics;
using System.Globalization;
using System.Text;
using Flows.Deploy.Loading;
using Flows.Deploy.Planning;
using Flows.Deploy.Project;

// Plans the seed's prefect.yaml shape (git SHA via run_shell_script, planned image, anchors) with 1 and with N
// deployments in one file, end to end as `flows-deploy deploy --all --dry-run` does (load, schema, steps, templates,
// parameter checks, bodies). Each size is warmed up, then the median of several runs is reported.
// `--phases` also prints, per size, the median time of each phase of PlanAsync (locate, YAML load, schema, manifest, plan)
// and the bytes it allocated (median, per deployment).
var phases = args.Contains("--phases");
args = args.Where(a => a != "--phases").ToArray();
var large = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? int.Parse(args[0], CultureInfo.InvariantCulture) : 500;
var runs = args.Length > 1 && !args[0].StartsWith("--", StringComparison.Ordinal) ? int.Parse(args[1], CultureInfo.InvariantCulture) : 7;
// Under the build output, i.e. inside the repository: the shell step runs `git rev-parse`, as in a real project.
var root = Path.Combine(AppContext.BaseDirectory, "work");
Directory.CreateDirectory(root);
var manifest = Path.Combine(root, "manifest.json");
File.WriteAllText(manifest, """
    {"schema_version":1,"assembly":"hello","flows":[{"name":"hello","method":"Hello.HelloFlows.Hello","source_file":"HelloFlows.cs","line":7,
     "description":null,"is_async":false,"parameter_openapi_schema":{"title":"Parameters","type":"object",
     "properties":{"name":{"title":"name","position":0,"type":"string","default":"Marvin"}},"required":[],"definitions":{}}}]}
    """);

string Project(int count)
{
    var dir = Path.Combine(root, count.ToString(CultureInfo.InvariantCulture));
    Directory.CreateDirectory(dir);
    var yaml = new StringBuilder("""
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

        """);
    for (var i = 0; i < count; i++)
    {
        yaml.Append(CultureInfo.InvariantCulture, $"- name: d{i}\n  tags: *common_tags\n  entrypoint: HelloFlows.cs:hello\n  parameters:\n    name: n{i}\n  work_pool: *common_work_pool\n");
    }

    File.WriteAllText(Path.Combine(dir, "prefect.yaml"), yaml.ToString());
    return dir;
}

async Task<double> Median(string dir, int expected)
{
    var request = new DeployRequest { Project = dir, ManifestAssembly = manifest, All = true, DryRun = true };
    var times = new List<double>();
    for (var r = 0; r < runs + 2; r++)
    {
        var watch = Stopwatch.StartNew();
        var plan = await new DeploymentPlanner().PlanAsync(request);
        watch.Stop();
        if (plan.Deployments.Count != expected)
        {
            throw new InvalidOperationException($"planned {plan.Deployments.Count}, expected {expected}");
        }

        if (r >= 2)
        {
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
    }

    times.Sort();
    return times[times.Count / 2];
}

// The same work as DeploymentPlanner.PlanAsync(request), phase by phase (medians of `runs` after two warm-ups).
async Task Phases(string dir, int expected)
{
    var request = new DeployRequest { Project = dir, ManifestAssembly = manifest, All = true, DryRun = true };
    var names = new[] { "locate", "yaml load", "schema", "manifest", "plan (steps, templates, params, bodies)" };
    var times = names.Select(_ => new List<double>()).ToArray();
    var bytes = names.Select(_ => new List<long>()).ToArray();
    for (var r = 0; r < runs + 2; r++)
    {
        // Process-wide and precise: the plan may resume on another thread after the shell step.
        var allocated0 = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        var lap = new double[names.Length];
        var allocated = new long[names.Length];
        var project = ProjectLocator.Locate(request.Project);
        lap[0] = watch.Elapsed.TotalMilliseconds;
        allocated[0] = GC.GetTotalAllocatedBytes(precise: true);
        var source = ProjectLocator.LoadDeployments(project, request.PrefectFile);
        lap[1] = watch.Elapsed.TotalMilliseconds;
        allocated[1] = GC.GetTotalAllocatedBytes(precise: true);
        if (PrefectYamlSchema.Validate(source.Document).Count > 0)
        {
            throw new InvalidOperationException("schema errors");
        }

        lap[2] = watch.Elapsed.TotalMilliseconds;
        allocated[2] = GC.GetTotalAllocatedBytes(precise: true);

        var flows = ProjectLocator.ReadManifest(project, request.ManifestAssembly);
        lap[3] = watch.Elapsed.TotalMilliseconds;
        allocated[3] = GC.GetTotalAllocatedBytes(precise: true);
        var plan = await new DeploymentPlanner().PlanAsync(source, flows, request);
        lap[4] = watch.Elapsed.TotalMilliseconds;
        allocated[4] = GC.GetTotalAllocatedBytes(precise: true);
        if (plan.Deployments.Count != expected)
        {
            throw new InvalidOperationException($"planned {plan.Deployments.Count}, expected {expected}");
        }

        for (var i = 0; r >= 2 && i < names.Length; i++)
        {
            times[i].Add(lap[i] - (i == 0 ? 0 : lap[i - 1]));
            bytes[i].Add(allocated[i] - (i == 0 ? allocated0 : allocated[i - 1]));
        }
    }

    for (var i = 0; i < names.Length; i++)
    {
        times[i].Sort();
        bytes[i].Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {expected,4} deployments, {names[i],-40} {times[i][times[i].Count / 2],8:F2} ms {bytes[i][bytes[i].Count / 2] / 1024.0 / expected,9:F1} KiB/deployment"));
    }
}

// --cold plan|validate N: one cold run in this fresh process (the JIT and the libraries' first use included), timed
// in process so the runtime's own start is left out: `plan` is what `flows-deploy deploy --dry-run` runs, `validate`
// what a plain or IDE build's ValidateDeployments task runs. bench/deploy/cold.sh alternates builds of this with and
// without a piece of code and takes the medians.
if (Array.IndexOf(args, "--cold") is >= 0 and var at)
{
    var what = args[at + 1];
    var size = int.Parse(args[at + 2], CultureInfo.InvariantCulture);
    var dir = Project(size);
    var watch = Stopwatch.StartNew();
    var planned = what == "plan"
        ? (await new DeploymentPlanner().PlanAsync(new DeployRequest { Project = dir, ManifestAssembly = manifest, All = true, DryRun = true })).Deployments.Count
        : (await new Flows.Deploy.Validation.DeploymentValidator().ValidateAsync(new Flows.Deploy.Validation.ValidationRequest { ProjectFile = dir, ManifestAssembly = manifest })) is { HasErrors: false, Complete: true } result ? result.Deployments : -1;
    watch.Stop();
    if (planned != size)
    {
        throw new InvalidOperationException($"{what}: {planned} deployments, expected {size}");
    }

    Console.WriteLine(watch.Elapsed.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture));
    Directory.Delete(dir, recursive: true);
    return 0;
}

var one = Project(1);
var many = Project(large);
// Warm both sizes before measuring either, so neither pays the JIT.
await Median(one, 1);
var tOne = await Median(one, 1);
var tMany = await Median(many, large);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"plan 1 deployment:    {tOne,8:F1} ms (median of {runs})"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"plan {large} deployments: {tMany,8:F1} ms (median of {runs})"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio {large}/1: {tMany / tOne:F2}x (reported only: the 5x target is retired, issue #19)"));
if (phases)
{
    await Phases(one, 1);
    await Phases(many, large);
}

Directory.Delete(root, recursive: true);
return 0;
