// What every broker test file opens: the test host, the broker support and xunit.
global using System.Net;
global using System.Text.Json;
global using OAuth2.Actors.Events.Tests.Support;
global using OAuth2.Actors.Testing;
global using Xunit;
