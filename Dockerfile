# airpicture in a container: the operator console, or any airpicture command.
#
#   docker build -t airpicture .
#   docker run --rm -p 8080:8080 -e AIRPICTURE_CONSOLE_TOKEN=change-me airpicture   # the Paris demo:
#       open http://localhost:8080/?token=change-me
#   docker run --rm -p 8080:8080 -e AIRPICTURE_CONSOLE_TOKEN=change-me \
#       -v "$PWD/site.toml:/etc/airpicture/airpicture.toml:ro" airpicture \
#       --config /etc/airpicture/airpicture.toml console --host 0.0.0.0 --beast RECEIVER:30005 --lat 49.01 --lon 2.55
#   docker run --rm -v "$PWD:/data" -w /data airpicture track /data/scenario --out /data/tracks.csv
#
# The console binds 0.0.0.0 inside the container, so it needs a token (AIRPICTURE_CONSOLE_TOKEN);
# docs/airpicture.toml is the documented settings file to start from. The kernels are compiled at
# build time (`airpicture warm`), so a container starts in about a second instead of 75-90 s.
FROM python:3.11-slim

WORKDIR /opt/airpicture
COPY requirements.lock pyproject.toml README.md LICENSE ./
# the lock pins the development tools too; the image needs only what the package depends on
RUN grep -vE '^(mypy|mypy_extensions|ruff|pytest|pytest-timeout|hypothesis|playwright|pyee|greenlet|pathspec|iniconfig|pluggy|librt|ast_serialize)==' \
        requirements.lock > /tmp/runtime.lock \
    && pip install --no-cache-dir -r /tmp/runtime.lock
COPY src ./src
RUN pip install --no-cache-dir --no-deps . && airpicture warm

COPY docs/airpicture.toml /etc/airpicture/airpicture.toml
RUN useradd --system --no-create-home airpicture
USER airpicture
EXPOSE 8080
ENTRYPOINT ["airpicture"]
CMD ["console", "--host", "0.0.0.0"]
