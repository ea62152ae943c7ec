namespace Flows;

/// <summary>A command line the app cannot act on; the message is the one line to print.</summary>
internal sealed class UsageException(string message) : Exception(message);
