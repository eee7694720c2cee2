global using Akka.Actor;
global using OAuth2.Actors.Events;
global using OAuth2.Actors.Events.Log;
global using Xunit;
global using OAuth2.Actors.Core.Tests.EventLog;
