// What nearly every file of the host uses: the protocol's replies, the AuthActor's messages, the validated options
// and the gateway to the actors.
global using Microsoft.Extensions.Options;
global using OAuth2.Actors.Auth;
global using OAuth2.Actors.Protocol;
global using OAuth2.Actors.Server.Configuration;
global using OAuth2.Actors.Server.Endpoints;
global using OAuth2.Actors.Server.Hosting;
