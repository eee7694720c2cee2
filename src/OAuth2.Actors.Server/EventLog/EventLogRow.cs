using System.Data.Common;
using System.Text.Json;
using OAuth2.Actors.Events;
using OAuth2.Actors.Events.Log;

namespace OAuth2.Actors.Server.EventLog;

/// <summary>
/// One event as a row of <c>oauth2_event_log</c>: the envelope, stored as JSON (<see cref="EventJson.Options"/>, the form
/// every sink and endpoint uses; each dialect writes it in the form its driver takes without a copy) and, beside it, the
/// columns the history query filters on. Times are unix milliseconds.
/// </summary>
internal readonly record struct EventLogRow(
    long Position,
    string EventId,
    short EventType,
    short Severity,
    string? ClientId,
    string? UserId,
    long Timestamp,
    long AppendedAt,
    EventEnvelope Envelope)
{
    /// <summary>The columns in the order every insert and <see cref="Read"/> use.</summary>
    public const string Columns = "position, event_id, event_type, severity, client_id, user_id, event_time, appended_at, envelope";

    /// <summary>What a reader selects: enough to rebuild a <see cref="LoggedEvent"/>.</summary>
    public const string ReadColumns = "position, appended_at, envelope";

    public static EventLogRow From(EventEnvelope envelope, long position, long appendedAt)
    {
        var e = envelope.Event;
        return new EventLogRow(
            position,
            e.Id,
            (short)e.EventType,
            (short)e.Severity,
            e.ClientId,
            e.UserId,
            e.Timestamp.ToUnixTimeMilliseconds(),
            appendedAt,
            envelope);
    }

    /// <summary>The envelope column's text.</summary>
    public string EnvelopeJson() => EventJson.Serialize(Envelope);

    /// <summary>A row selected as <see cref="ReadColumns"/>.</summary>
    public static LoggedEvent Read(DbDataReader reader)
    {
        var position = reader.GetInt64(0);
        var appendedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1));
        var envelope = JsonSerializer.Deserialize<EventEnvelope>(reader.GetString(2), EventJson.Options);
        return new LoggedEvent(position, appendedAt, envelope ?? throw new InvalidDataException($"The event at position {position} has no envelope."));
    }

    public static async Task<List<LoggedEvent>> ReadAllAsync(DbCommand command, int capacity, CancellationToken cancellationToken)
    {
        var events = new List<LoggedEvent>(capacity);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(Read(reader));
        }

        return events;
    }
}
