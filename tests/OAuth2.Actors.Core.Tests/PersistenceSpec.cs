namespace OAuth2.Actors.Core.Tests;

/// <summary>A TestKit on the in-memory journal, with a fake clock and a probe standing in for the EventActor.</summary>
public abstract class PersistenceSpec : Akka.TestKit.Xunit2.TestKit
{
    protected readonly FakeTimeProvider _time = new(SpecSupport.Start);
    protected readonly TestProbe _events;

    protected PersistenceSpec(ITestOutputHelper output)
        : base(SpecSupport.Persistence, output: output)
    {
        _events = CreateTestProbe("events");
    }
}
