namespace OAuth2.Actors.Testing;

/// <summary>A new user, a new code client and a browser (see <see cref="TestHost.NewFlow"/>); disposing it closes the browser.</summary>
public sealed record FlowStart(TestUser User, RegisteredClient Client, TestBrowser Browser) : IDisposable
{
    public void Dispose() => Browser.Dispose();
}
