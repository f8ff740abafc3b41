# syntax=docker/dockerfile:1
# NeuroLab compute worker image: src/NeuroLab.Worker (a generic host that executes runs from the Hangfire
# queues named in NeuroLab:Compute:Queues). Build from the repository root:
#   CPU:  docker build -f infra/docker/worker.Dockerfile -t neurolab-worker .
#   GPU:  docker build -f infra/docker/worker.Dockerfile --build-arg TORCH_VARIANT=cuda -t neurolab-worker:gpu .
#
# CPU libtorch comes from the NuGet package libtorch-cpu-linux-x64 (2.10.0) the worker references. For the GPU
# variant the CPU natives are replaced by PyTorch's official CUDA libtorch of the same version (TorchSharp's own
# libtorch-cuda-12.8-linux-x64 package holds the same files; it is not on the package feed this repository was
# built against). The zip bundles the CUDA runtime, cuBLAS and cuDNN, so the base stays the .NET image and only
# the NVIDIA driver comes from the host (NVIDIA Container Toolkit / the Kubernetes device plugin).
ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION}-noble AS build
ARG TORCH_VARIANT=cpu
# Must match the libtorch version of Directory.Packages.props (libtorch-cpu-linux-x64) and TorchSharp's.
ARG LIBTORCH_CUDA_URL=https://download.pytorch.org/libtorch/cu128/libtorch-shared-with-deps-2.10.0%2Bcu128.zip
# Node.js + npm are needed only if NeuroLab.Worker ever references NeuroLab.Web (its build bundles npm assets);
# unzip + curl fetch the CUDA libtorch.
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm unzip curl \
 && rm -rf /var/lib/apt/lists/*
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 NUGET_PACKAGES=/nuget
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/nuget \
    --mount=type=cache,target=/root/.npm \
    dotnet publish src/NeuroLab.Worker/NeuroLab.Worker.csproj -c Release -r linux-x64 --self-contained false -o /out/app \
 && mkdir -p /out/models \
 && cp -r /nuget/microsoft.ml.dnnimagefeaturizer.resnet18/*/tools/DnnImageModels/. /out/models/
RUN if [ "$TORCH_VARIANT" = "cuda" ]; then \
      set -eux; \
      curl -fsSL -o /tmp/libtorch.zip "$LIBTORCH_CUDA_URL"; \
      unzip -q /tmp/libtorch.zip -d /tmp; \
      # Keep TorchSharp's own binding (libLibTorchSharp.so); replace libtorch and add the CUDA libraries.
      cp -a /tmp/libtorch/lib/*.so* /out/app/; \
      rm -rf /tmp/libtorch /tmp/libtorch.zip; \
      test -f /out/app/libtorch_cuda.so; \
    elif [ "$TORCH_VARIANT" != "cpu" ]; then echo "TORCH_VARIANT must be cpu or cuda" >&2; exit 1; fi

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}-noble AS runtime
ARG TORCH_VARIANT=cpu
RUN mkdir -p /data && chown app:app /data
WORKDIR /app
COPY --from=build /out/app ./
COPY --from=build /out/models /opt/neurolab/models
# Scratch space for jobs whose native libraries need a local file (artifacts themselves go to S3 or the shared store).
ENV NeuroLab__DataDirectory=/data \
    NeuroLab__Models__ResNet18Directory=/opt/neurolab/models \
    NeuroLab__Compute__Mode=workers \
    OMP_WAIT_POLICY=PASSIVE \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    NEUROLAB_TORCH_VARIANT=${TORCH_VARIANT}
# Read by the NVIDIA Container Toolkit: which GPUs and driver parts to mount (ignored without a GPU runtime).
ENV NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
USER app
VOLUME ["/data"]
# The worker serves no HTTP endpoint: it is healthy while its process runs (the orchestrator restarts it when it
# exits). Liveness of its runs is the lease on each run row, renewed every third of NeuroLab:Compute:LeaseDuration.
HEALTHCHECK NONE
# SIGTERM: the host stops claiming, and releases the leases of runs it holds (queued again for another worker);
# give it the stop grace period set in compose (stop_grace_period) / Kubernetes (terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM
ENTRYPOINT ["dotnet", "NeuroLab.Worker.dll"]
