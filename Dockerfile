# One image for every Profset process; the command picks it:
#   python -m registry | contacts | exchange | notifications | gateway, or `profset migrate`.
# Build: docker build -t profset:1.0.0 .
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY requirements-runtime.lock requirements-build.lock ./
# the runtime's packages only, pinned with hashes (nothing for tests or benchmarks is ever installed), and apart from
# them the pinned build backend that makes our own wheels
RUN python -m venv /opt/build \
    && /opt/build/bin/pip install --no-cache-dir --require-hashes -r requirements-build.lock \
    && python -m venv /opt/profset \
    && /opt/profset/bin/pip install --no-cache-dir --no-deps --require-hashes -r requirements-runtime.lock
COPY contracts ./contracts
COPY services ./services
COPY deploy ./deploy
# every package under services/ (the kit and each service), so a new service needs no change here; built by the
# pinned backend without isolation, so the build fetches nothing
RUN /opt/build/bin/pip wheel --no-cache-dir --no-deps --no-build-isolation --wheel-dir /wheels \
       ./contracts ./contracts/mirrors ./services/* ./deploy \
    && /opt/profset/bin/pip install --no-cache-dir --no-deps /wheels/*.whl \
    && /opt/profset/bin/python -m compileall -q /opt/profset

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="profset" \
      org.opencontainers.image.description="Profset services, gateway and the profset operator CLI"
RUN groupadd --system --gid 10001 profset \
    && useradd --system --uid 10001 --gid profset --no-create-home --shell /usr/sbin/nologin profset
COPY --from=build /opt/profset /opt/profset
# a read-only root filesystem: no bytecode written at run time, temporary files only under /tmp (a volume)
ENV PATH=/opt/profset/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LOG_FORMAT=json \
    UNION_TZ=Europe/Moscow
WORKDIR /tmp
USER 10001:10001
EXPOSE 8000 8080
CMD ["python", "-m", "gateway"]
