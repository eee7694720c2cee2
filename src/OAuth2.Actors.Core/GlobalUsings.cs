// What nearly every file of the core uses: the actor model and the protocol's messages and constants.
global using Akka.Actor;
global using OAuth2.Actors.Auth.Pipeline;
global using OAuth2.Actors.Protocol;
