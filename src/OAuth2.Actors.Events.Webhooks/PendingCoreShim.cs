// TEMPORARY until `git merge main` brings the Core change (RetireSink, IEventLogStore.DeleteSinkAsync): delete this file then.
namespace OAuth2.Actors.Events.Log;

public sealed record RetireSink(string Sink) : IEventSinkCommand;

internal static class PendingCoreShim
{
    public static Task DeleteSinkAsync(this IEventLogStore store, string sink, CancellationToken cancellationToken) => Task.CompletedTask;
}
