# Multi-stage build: the SDK image builds and publishes exactly as CI builds (restore, build, publish of the
# solution's host project); the ASP.NET runtime image runs it as a non-root user.
# Every broker sink (Redis, Kafka, RabbitMQ) is in the host; OAUTH2_EVENTS_BACKEND picks at run time (docs/brokers.md).
ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props OAuth2.Actors.sln .editorconfig ./
COPY hocon/ hocon/
COPY src/ src/
COPY tests/ tests/
COPY bench/ bench/
COPY tools/ tools/
RUN dotnet restore OAuth2.Actors.sln
RUN dotnet build OAuth2.Actors.sln --no-restore -c Release
RUN dotnet publish src/OAuth2.Actors.Server/OAuth2.Actors.Server.csproj --no-restore -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS runtime
WORKDIR /app
RUN groupadd --system oauth2 && useradd --system --gid oauth2 --home-dir /app --shell /usr/sbin/nologin oauth2 \
    && mkdir -p /app/data && chown oauth2:oauth2 /app/data \
    && apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
COPY --from=build /app ./
ENV OAUTH2_SERVER_HOST=0.0.0.0 \
    OAUTH2_SERVER_PORT=8080 \
    OAUTH2_DATA_DIR=/app/data
USER oauth2
EXPOSE 8080
VOLUME ["/app/data"]
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 CMD curl -fsS http://127.0.0.1:8080/health || exit 1
ENTRYPOINT ["dotnet", "OAuth2.Actors.Server.dll"]
