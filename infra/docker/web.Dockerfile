# syntax=docker/dockerfile:1
# NeuroLab web image: Blazor Server UI, REST API, SignalR hub.
# Build from the repository root:  docker build -f infra/docker/web.Dockerfile -t neurolab-web .
#
# It carries the CPU libtorch natives (~470 MB): NeuroLab.Web references libtorch-cpu-linux-x64 itself, and
# NeuroLab.Analysis (TorchSharp) through NeuroLab.Compute, because the default NeuroLab:Compute:Mode=inprocess
# executes runs inside the web process and the About page reports the libtorch version. A web image without
# libtorch would need that package reference made conditional in the csproj (workers mode only); see infra/README.md.
#
# .NET 10 images are Ubuntu 24.04 (noble); there are no Debian images for .NET 10. Noble's libstdc++ has
# GLIBCXX_3.4.32, so the TorchSharp Debian 12 fix (build/TorchSharpNativeFix.targets) is a no-op here, and build
# and runtime stages use the same distribution so that check holds for the image that runs.
ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION}-noble AS build
# Node.js + npm: the web build bundles the NiiVue brain viewer from npm (esbuild), see NeuroLab.Web.csproj.
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 NUGET_PACKAGES=/nuget
WORKDIR /src
COPY . .
# The ResNet-18 ONNX graphs live in the NuGet cache (PackageDownload); copy them out for the runtime stage.
RUN --mount=type=cache,target=/nuget \
    --mount=type=cache,target=/root/.npm \
    dotnet publish src/NeuroLab.Web/NeuroLab.Web.csproj -c Release -r linux-x64 --self-contained false -o /out/app \
 && mkdir -p /out/models \
 && cp -r /nuget/microsoft.ml.dnnimagefeaturizer.resnet18/*/tools/DnnImageModels/. /out/models/

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}-noble AS runtime
# curl for the health check only.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
# The base image has a non-root user "app" (uid 1654); the data folder belongs to it.
RUN mkdir -p /data && chown app:app /data
WORKDIR /app
COPY --from=build /out/app ./
COPY --from=build /out/models /opt/neurolab/models
ENV ASPNETCORE_URLS=http://+:8080 \
    Urls=http://+:8080 \
    NeuroLab__DataDirectory=/data \
    NeuroLab__Models__ResNet18Directory=/opt/neurolab/models \
    OMP_WAIT_POLICY=PASSIVE \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
USER app
EXPOSE 8080
VOLUME ["/data"]
# /healthz: ASP.NET Core health checks, Healthy when the database answers a query (DatabaseHealthCheck).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["dotnet", "NeuroLab.Web.dll"]
