namespace Flows.Server.Orchestration;

/// <summary>Prefect-style "adjective-animal" run names: readable in logs, not unique (the id is).</summary>
internal static class RunNames
{
    private static readonly string[] Adjectives = ["amber", "brave", "calm", "daring", "eager", "fancy", "gentle", "happy", "icy", "jolly", "keen", "lucky", "mellow", "nimble", "olive", "proud", "quick", "rosy", "silver", "tidy", "urban", "vivid", "witty", "young", "zesty"];
    private static readonly string[] Animals = ["albatross", "badger", "cheetah", "dolphin", "eagle", "falcon", "gecko", "heron", "ibis", "jaguar", "koala", "lemur", "marmot", "newt", "otter", "panda", "quail", "raven", "salmon", "tapir", "urchin", "vulture", "walrus", "yak", "zebra"];

    public static string Next() => $"{Adjectives[Random.Shared.Next(Adjectives.Length)]}-{Animals[Random.Shared.Next(Animals.Length)]}";
}
