namespace OAuth2.Actors.Hosting;

/// <summary>
/// Ask for an actor of this node (the AuthActor, the token actors' pool) on the request path. The reply comes back
/// through a one-use reference that is not registered with the actor system: none of Akka's Ask bookkeeping (a
/// temporary path, its registration and removal, a continuation per call), which a reply from another node would
/// need to find it. So never for sharded entities or anything that may live on another node: use Akka's Ask there.
/// </summary>
/// <remarks>
/// A reply of another type, or a <see cref="Status.Failure"/>, fails the task; past <c>timeout</c> it fails with
/// <see cref="TimeoutException"/>, and with <see cref="OperationCanceledException"/> when the caller cancels.
/// Continuations run on the thread pool, never inline in the replying actor.
/// </remarks>
public static class LocalAsk
{
    public static Task<T> AskLocal<T>(this IActorRef actor, object message, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var reply = new ReplyTo<T>(((IInternalActorRef)actor).Provider);
        actor.Tell(message, reply);
        return reply.Task.WaitAsync(timeout, cancellationToken);
    }

    private sealed class ReplyTo<T>(IActorRefProvider provider) : MinimalActorRef
    {
        private static readonly ActorPath SharedPath = new RootActorPath(Address.AllSystems) / "temp" / "local-ask";
        private readonly TaskCompletionSource<T> _reply = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Task => _reply.Task;

        public override ActorPath Path => SharedPath;

        public override IActorRefProvider Provider { get; } = provider;

        // One reference per call: equal only to itself (the shared path says nothing about identity).
        public override bool Equals(object? obj) => ReferenceEquals(this, obj);

        public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);

        protected override void TellInternal(object message, IActorRef sender)
        {
            switch (message)
            {
                case T answer:
                    _reply.TrySetResult(answer);
                    break;
                case Status.Failure failure:
                    _reply.TrySetException(failure.Cause);
                    break;
                default:
                    _reply.TrySetException(new InvalidOperationException($"Expected a reply of type {typeof(T).Name}, got {message.GetType().Name}."));
                    break;
            }
        }
    }
}
