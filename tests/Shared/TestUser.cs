namespace OAuth2.Actors.Testing;

public sealed record TestUser(string UserId, string Username, string Password);
