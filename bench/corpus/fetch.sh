#!/usr/bin/env bash
# Downloads real open-source FastAPI + SQLAlchemy + Pydantic applications from PyPI
# (pinned wheels) and unpacks their Python files, one folder per package:
#   bench/corpus/fetch.sh [DIR]      (default: ./.corpus; keep it out of git)
# Prints DIR/src. Safe to re-run: what is there already is kept.
set -eu
dir=${1:-.corpus}
mkdir -p "$dir/dl" "$dir/src"
for spec in prefect==3.9.1 apache-airflow-core==3.3.2 open-webui==0.12.4 lnbits==1.6.2 fastapi-users==15.0.5; do
  name=${spec%%==*}; name=${name//-/_}
  [ -d "$dir/src/$name" ] && continue
  python3 -m pip download -q --no-deps --disable-pip-version-check "$spec" -d "$dir/dl" >/dev/null
  mkdir -p "$dir/src/$name"
  unzip -q -o "$dir"/dl/${name}-*.whl '*.py' -d "$dir/src/$name"
done
cd "$dir/src" && pwd
