namespace OAuth2.Actors.Events.Redis.Tests;

/// <summary>
/// The seed's fallback rule for redis: a malformed URL or a build without the backend is warned about, naming the
/// backend and the reason, and the server runs on in_memory. No Redis needed.
/// </summary>
public sealed class RedisFallbackTests() : BackendFallbackTests(RedisBroker.Backend);
