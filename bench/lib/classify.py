#!/usr/bin/env python3
"""Reads `perf script` output (call graphs of one process) on stdin and prints the share of samples per area of the
request path, and with --us-per-req N the microseconds per request each share stands for.
A sample goes to the first INCLUSIVE area any frame of its stack matches (GC, the JIT, and the work that is one call
with everything under it: signing, verification, client authentication, events). Otherwise to the area of its
innermost frame that matches a NESTED area (middleware and async state machines sit on each other's stacks, so only
the innermost one is doing the work); otherwise to a FALLBACK area. libcrypto has no frame pointers, so its samples
lose the managed caller: they are ES256 (signing in the token scenario, verification in the introspection ones)."""
import re, sys

INCLUSIVE = [
    ("GC", r"gc_heap::|GCHeap::|WKS::|SVR::|GarbageCollect|gc\.cpp"),
    ("JIT (tiering, still compiling)", r"libclrjit|CILJit|jitNativeCode"),
    ("signing (JWT build + ES256 sign)", r"JsonWebTokenHandler::CreateToken|CreateTokenPrivate|ECDsa.*Sign|SignData|SignHash"),
    ("verification (JWT parse + ES256 verify)", r"JsonWebTokenHandler::ValidateToken|ValidateSignature|JsonWebToken::\.ctor|JsonWebToken::ReadToken|CanReadToken|VerifyData|VerifyHash"),
    ("client authentication (ClientActor, Secrets)", r"OAuth2\.Actors\.Clients\.|ShardRegion|Sharding"),
    ("events (publish, EventActor, sinks)", r"OAuth2\.Actors\.Events\.|EventPublisher|EventActor"),
    ("client/token/events done, nested areas follow", None),
    ("AuthActor pipeline (incl. its Asks)", r"OAuth2\.Actors\.Auth\."),
    ("TokenActor (cache, revocation, claims)", r"OAuth2\.Actors\.Tokens\."),
    ("form read", r"RequestReader::Read|QueryHelpers|FormReader|FormPipeReader|ReadFormAsync"),
    ("auth middleware (cookies, data protection)", r"AuthenticationMiddleware|CookieAuthentication|AuthenticationHandler|DataProtection"),
    ("JSON writing (results)", r"System\.Text\.Json|JsonHttpResult|HttpResultsHelper|WriteAsJsonAsync|OAuthResults"),
    ("endpoint + gateway (routing, Ask from HTTP)", r"OAuth2\.Actors\.Server\.|Routing\.|EndpointMiddleware|RequestDelegateFactory"),
    ("Akka (mailboxes, dispatch, Ask)", r"Akka\."),
    ("Kestrel/HTTP, sockets, kernel network", r"AspNetCore|Kestrel|System\.Net\.|Pipelines|tcp_|sock_|__sys_|ip_|inet_|epoll|do_syscall"),
    ("fallback areas follow", None),
    ("ES256 in libcrypto (caller lost)", r"libcrypto|libssl"),
    ("thread pool, scheduling, runtime other", r"Threading|ThreadPool|libcoreclr|libc\.so|kernel|schedule"),
]
def split(areas):
    groups, current = [], []
    for name, rx in areas:
        if rx is None:
            groups.append(current); current = []
        else:
            current.append((name, re.compile(rx)))
    groups.append(current)
    return groups

INCLUSIVE, NESTED, FALLBACK = split(INCLUSIVE)
AREAS = INCLUSIVE + NESTED + FALLBACK

def classify(stack):
    text = "\n".join(stack)
    for name, rx in INCLUSIVE:
        if rx.search(text):
            return name
    for group in (NESTED, FALLBACK):
        for frame in stack:              # leaf first
            for name, rx in group:
                if rx.search(frame):
                    return name
    return "other"

def samples(lines):
    stack = []
    for line in lines:
        if not line.strip():
            if stack:
                yield stack
            stack = []
        elif line.startswith((" ", "\t")):
            stack.append(line.strip())
    if stack:
        yield stack

counts = {name: 0 for name, _ in AREAS}
counts["other"] = 0
total = 0
for stack in samples(sys.stdin):
    total += 1
    counts[classify(stack)] += 1

us = float(sys.argv[sys.argv.index("--us-per-req") + 1]) if "--us-per-req" in sys.argv else None
print(f"| area | share | {'us/req |' if us else ''}")
print(f"|---|---:|{'---:|' if us else ''}")
for name, n in sorted(counts.items(), key=lambda kv: -kv[1]):
    if n:
        share = n / total
        print(f"| {name} | {100 * share:.1f}% | {f'{share * us:.1f} |' if us else ''}")
print(f"| total ({total} samples) | 100% | {f'{us:.0f} |' if us else ''}")
