# syntax=docker/dockerfile:1
# The worker (plao-worker) as a container image.
#
#   docker build -t plaoimaging/worker:cpu .                                  # CPU (default)
#   docker build -t plaoimaging/worker:cuda --build-arg FLAVOR=cuda .         # NVIDIA GPU (CUDA 13, cuDNN 9)
#
# Both images run the same published worker as user 1654 in /var/lib/plao, with its data (SQLite, received images,
# produced reports, data-protection keys, a generated admin password) in the volume /var/lib/plao/data, the web and API
# on port 5080 and the DICOM SCP on port 11112, exactly as `./build.sh run` does from a checkout. Settings come from
# the environment (Section__Key) or arguments (--Section:Key=value); see src/PlaoImaging.Worker/README.md, compose.yaml
# and docs/security.md. tools/check-container.sh runs this image's published output on a machine without a container
# engine.
#
# Base images: mcr.microsoft.com/dotnet/sdk:10.0 and aspnet:10.0 are Ubuntu 24.04 "noble" (the .NET 10 default tags);
# nvidia/cuda:13.0.2-cudnn-runtime-ubuntu24.04 is the same release, so one package list serves both flavours.

ARG FLAVOR=cpu
ARG DOTNET_VERSION=10.0
ARG CUDA_IMAGE=nvidia/cuda:13.0.2-cudnn-runtime-ubuntu24.04

# ---- build: publish the worker (framework-dependent, linux-x64) with the ONNX Runtime package of the flavour ----
FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
ARG FLAVOR
WORKDIR /src
# .dockerignore admits only what the worker's build reads: the build props, src/ and models/.
COPY . .
RUN --mount=type=cache,id=plao-nuget,target=/root/.nuget/packages \
    case "$FLAVOR" in cpu|cuda) ;; *) echo "FLAVOR must be cpu or cuda, not '$FLAVOR'" >&2; exit 1 ;; esac \
    && dotnet publish src/PlaoImaging.Worker -c Release -r linux-x64 --self-contained false -p:UseAppHost=false \
         -p:PlaoOnnxFlavour="$FLAVOR" -o /app \
    # the shipped model travels beside the binary (models/), where the worker looks first
    && test -f /app/models/plao-vertebra-landmarks-v2.json \
    && test -f /app/plao-worker.dll

# ---- runtime bases: one per flavour; only the one FLAVOR names is built ----
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS runtime-cpu

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS aspnet
FROM ${CUDA_IMAGE} AS runtime-cuda
# The ASP.NET Core runtime, copied from Microsoft's image of the same Ubuntu release (what `dotnet` needs besides it
# — libc6, libgcc-s1, libstdc++6, libssl3t64, ca-certificates, tzdata — is installed below; ICU is not: the worker
# runs with invariant globalization).
COPY --from=aspnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
# (the CUDA base already sets NVIDIA_VISIBLE_DEVICES and NVIDIA_DRIVER_CAPABILITIES for the NVIDIA container toolkit)
ENV DOTNET_RUNNING_IN_CONTAINER=true

# ---- final image ----
FROM runtime-${FLAVOR} AS final
ARG FLAVOR
# CharLS (JPEG-LS) and OpenJPEG (JPEG 2000): the sonames PlaoImaging.Dicom.Codecs.Native loads (libcharls.so.2,
# libopenjp2.so.7) come from these Ubuntu 24.04 packages (libcharls2 is in universe, libopenjp2-7 in main).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
         libcharls2 libopenjp2-7 ca-certificates tzdata libc6 libgcc-s1 libstdc++6 libssl3t64 \
    && rm -rf /var/lib/apt/lists/* \
    && ldconfig -p | grep -q 'libcharls.so.2 ' \
    && ldconfig -p | grep -q 'libopenjp2.so.7 '

# A fixed non-root user: 1654 is the `app` user of Microsoft's images; the CUDA base has none, so it is made here.
ARG APP_UID=1654
RUN if ! getent passwd "$APP_UID" >/dev/null; then \
        groupadd --gid "$APP_UID" app && useradd --no-log-init --uid "$APP_UID" --gid "$APP_UID" --create-home app; \
    fi \
    && mkdir -p /var/lib/plao/data \
    && chown "$APP_UID:$APP_UID" /var/lib/plao/data \
    && chmod 0750 /var/lib/plao/data

COPY --from=build /app /app

# The worker takes relative paths from its working directory: data/ is /var/lib/plao/data. Web on 5080 on every
# interface (the worker's own default is localhost, which nothing outside the container could reach); the aspnet
# image's ASPNETCORE_HTTP_PORTS=8080 is cleared so that it does not compete with ASPNETCORE_URLS.
WORKDIR /var/lib/plao
ENV ASPNETCORE_URLS=http://+:5080 \
    ASPNETCORE_HTTP_PORTS= \
    DOTNET_NOLOGO=1 \
    HOME=/home/app \
    PLAO_FLAVOR=${FLAVOR}
VOLUME ["/var/lib/plao/data"]
EXPOSE 5080/tcp 11112/tcp
USER ${APP_UID}

# Ready: the results database answers, storage and outbox take a write, the model is loaded, the SCP listens.
# The image has no curl or wget; bash's /dev/tcp asks the worker over loopback (HTTP/1.0, the status line only).
# With HTTPS on 5080, keep a loopback HTTP endpoint for this check: ASPNETCORE_URLS="https://+:5080;http://127.0.0.1:5081"
# and PLAO_HEALTH_PORT=5081.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PLAO_HEALTH_PORT:-5080} && printf 'GET /health/ready HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["dotnet", "/app/plao-worker.dll"]
