namespace Flows.Kubernetes.Fake.Host;

/// <summary>The host's command line, parsed once (see <see cref="Usage"/>).</summary>
internal sealed record HostOptions
{
    public const string Usage = """
        usage: Flows.Kubernetes.Fake.Host --state-dir DIR [--port N] [--namespace NS]... [--rbac] [--docker-node]
                                          [--apply FILE]... [--kubeconfig-from NS/SECRET] [--clock-rate R]
          --state-dir DIR           writes url, admin-token, node-id and (with --kubeconfig-from) kubeconfig there
          --rbac                    authenticate bearer tokens and authorize with the stored Roles and bindings
          --docker-node             run pods as containers on the local Docker Engine
          --apply FILE              create every object of a multi-document YAML file, as the cluster admin
          --kubeconfig-from NS/NAME a kubeconfig with the token of this service-account-token Secret
          --clock-rate R            the fake clock runs R times real time (timestamps, Jobs' TTL); default 1
        Runs until SIGTERM or SIGINT; prints every RBAC refusal as a line starting with "refused: ".
        """;

    public required string StateDir { get; init; }

    public int Port { get; init; }

    public List<string> Namespaces { get; } = [];

    public bool Rbac { get; init; }

    public bool DockerNode { get; init; }

    public List<string> Apply { get; } = [];

    public string? KubeconfigFrom { get; init; }

    public double ClockRate { get; init; } = 1;

    public static HostOptions Parse(string[] args)
    {
        string? stateDir = null, kubeconfigFrom = null;
        int port = 0;
        bool rbac = false, node = false;
        double rate = 1;
        var namespaces = new List<string>();
        var apply = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--state-dir": stateDir = Value(); break;
                case "--port": port = int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--namespace": namespaces.Add(Value()); break;
                case "--rbac": rbac = true; break;
                case "--docker-node": node = true; break;
                case "--apply": apply.Add(Value()); break;
                case "--kubeconfig-from": kubeconfigFrom = Value(); break;
                case "--clock-rate": rate = double.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown argument {args[i]}");
            }
        }

        var options = new HostOptions
        {
            StateDir = stateDir ?? throw new ArgumentException("--state-dir is required"),
            Port = port,
            Rbac = rbac,
            DockerNode = node,
            KubeconfigFrom = kubeconfigFrom,
            ClockRate = rate > 0 ? rate : throw new ArgumentException("--clock-rate must be positive"),
        };
        options.Namespaces.AddRange(namespaces);
        options.Apply.AddRange(apply);
        return options;
    }
}
