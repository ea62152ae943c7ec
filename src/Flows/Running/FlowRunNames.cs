namespace Flows;

/// <summary>Generates run names in Prefect's style: an adjective and an animal, <c>witty-otter</c>.</summary>
public static class FlowRunNames
{
    private static readonly string[] Adjectives =
    [
        "amber", "bold", "brave", "bright", "calm", "clever", "cosmic", "crimson", "daring", "eager", "fancy",
        "gentle", "golden", "happy", "hidden", "jolly", "keen", "lively", "lucky", "mellow", "misty", "noble",
        "polite", "proud", "quick", "quiet", "rapid", "shiny", "silent", "silver", "smart", "sunny", "swift",
        "tidy", "vivid", "wise", "witty", "zealous",
    ];

    private static readonly string[] Animals =
    [
        "badger", "beaver", "bison", "cheetah", "crane", "dingo", "dolphin", "eagle", "falcon", "ferret", "gecko",
        "heron", "ibis", "jaguar", "koala", "lemur", "lynx", "marmot", "mole", "narwhal", "ocelot", "otter",
        "panda", "puffin", "quail", "raven", "salmon", "seal", "sloth", "tapir", "toucan", "walrus", "wombat",
        "yak", "zebra",
    ];

    /// <summary>A new random run name.</summary>
    public static string Next() =>
        $"{Adjectives[Random.Shared.Next(Adjectives.Length)]}-{Animals[Random.Shared.Next(Animals.Length)]}";
}
