using System.Text;
using OAuth2.Actors.Configuration;
using OAuth2.Actors.Events.CloudEvents;

namespace OAuth2.Actors.Events;

/// <summary>
/// One JSON document per line on standard output (or the given writer): the envelope, or for either CloudEvents
/// format the structured-mode CloudEvent (a line has no headers to carry binary mode).
/// </summary>
public sealed class ConsoleEventPlugin(TextWriter? writer = null, EventFormat format = EventFormat.Envelope, Uri? source = null) : IEventPlugin
{
    private readonly TextWriter _out = writer ?? Console.Out;
    private readonly Uri _source = source ?? new Uri(IssuerSetting.Effective(null, null, IssuerSetting.DefaultPort));

    public string Name => EventBackends.Console;

    public EventFormat Format => format;

    public async Task EmitAsync(EventEnvelope envelope, CancellationToken cancellationToken)
    {
        var line = format == EventFormat.Envelope
            ? EventJson.Serialize(envelope)
            : Encoding.UTF8.GetString(EventCloudEvents.Structured(envelope, _source).Span);
        await _out.WriteLineAsync(line.AsMemory(), cancellationToken);
        await _out.FlushAsync(cancellationToken);
    }

    public Task<bool> HealthCheckAsync(CancellationToken cancellationToken) => Task.FromResult(true);
}
