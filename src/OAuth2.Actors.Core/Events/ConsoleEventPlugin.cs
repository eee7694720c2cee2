namespace OAuth2.Actors.Events;

/// <summary>One JSON envelope per line on standard output (or the given writer).</summary>
public sealed class ConsoleEventPlugin(TextWriter? writer = null) : IEventPlugin
{
    private readonly TextWriter _out = writer ?? Console.Out;

    public string Name => EventBackends.Console;

    public async Task EmitAsync(EventEnvelope envelope, CancellationToken cancellationToken)
    {
        await _out.WriteLineAsync(EventJson.Serialize(envelope).AsMemory(), cancellationToken);
        await _out.FlushAsync(cancellationToken);
    }

    public Task<bool> HealthCheckAsync(CancellationToken cancellationToken) => Task.FromResult(true);
}
