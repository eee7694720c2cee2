// What the actor specs open in nearly every file: Akka and its test kit, xunit, and the Core namespaces under test.
global using Akka.Actor;
global using Akka.TestKit;
global using Microsoft.Extensions.Time.Testing;
global using OAuth2.Actors.Auth;
global using OAuth2.Actors.Auth.Pipeline;
global using OAuth2.Actors.Auth.Token;
global using OAuth2.Actors.Auth.Token.Grants;
global using OAuth2.Actors.Clients;
global using OAuth2.Actors.Configuration;
global using OAuth2.Actors.Events;
global using OAuth2.Actors.Protocol;
global using OAuth2.Actors.Tokens;
global using Xunit;
global using Xunit.Abstractions;
global using static OAuth2.Actors.Core.Tests.EventSpecSupport;
