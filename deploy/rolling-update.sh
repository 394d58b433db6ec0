#!/bin/sh
# 逐个替换 api 或 worker 容器，不停服务：先按当前的镜像和 .env 起一个新容器，等它 healthy，再停掉一个旧容器
# （SIGTERM：api 先排空 5 秒再停止接收，worker 做完手上的任务；最多 30 秒）。用于发布新镜像或修改 .env 之后。
#   ./rolling-update.sh api
#   ./rolling-update.sh worker
# Docker Compose itself has no rolling update outside Swarm; this is the usual scale-up-then-remove loop.
# Written for Docker Compose v2 and not run where it was written (no Docker daemon there).
set -eu
cd "$(dirname "$0")"
svc="${1:?用法：$0 api|worker}"
old=$(docker compose ps -q "$svc")
n=$(printf '%s\n' "$old" | grep -c . || true)
[ "$n" -gt 0 ] || { echo "没有正在运行的 $svc 容器" >&2; exit 1; }

for id in $old; do
  # One more container than now: --no-recreate keeps the old ones, the new one gets the new image and .env.
  docker compose up -d --no-deps --no-recreate --scale "$svc=$((n + 1))" "$svc"
  tries=0
  while docker compose ps "$svc" --format '{{.Health}}' | grep -qv '^healthy$'; do
    tries=$((tries + 1))
    if [ "$tries" -gt 90 ]; then
      echo "新的 $svc 容器 3 分钟内没有变为 healthy，已停止替换（旧容器仍在运行）。查看：docker compose logs --tail 100 $svc" >&2
      exit 1
    fi
    sleep 2
  done
  docker stop -t 30 "$id" >/dev/null
  docker rm "$id" >/dev/null
  echo "已替换 $svc 容器 $(printf '%s' "$id" | cut -c1-12)"
done
echo "完成：$svc 共 $n 个容器均已替换"
