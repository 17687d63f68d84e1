#!/usr/bin/env bash
# Runs nginx in the foreground serving a small static file from DIR on 127.0.0.1:PORT, with
# all its state under DIR (nothing under /var or /run). Used by the quickstart and benchmarks.
#   bench/static-nginx.sh DIR PORT [WORKERS] [ACCESS_LOG]
# ACCESS_LOG: one line per request with its completion time ($msec, in ms), buffered; nginx
# reopens it on SIGUSR1. Without it, no access log.
# With LG_TLS_PORT, LG_TLS_CERT and LG_TLS_KEY set, the same site is also served over TLS on
# that port (TLS 1.2/1.3, a shared session cache and tickets, so clients can resume).
set -euo pipefail
dir=$1 port=$2 workers=${3:-1} access_log=${4:-}
tls_server=""
if [[ -n ${LG_TLS_PORT:-} ]]; then
  tls_server="server { listen 127.0.0.1:$LG_TLS_PORT ssl reuseport backlog=4096; root $dir/www;
    ssl_certificate $LG_TLS_CERT; ssl_certificate_key $LG_TLS_KEY;
    ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache shared:lgbench:10m; }"
fi
log_line="access_log off;"
if [[ -n $access_log ]]; then
  log_line="log_format stamps '\$msec'; access_log $access_log stamps buffer=256k flush=1s;"
fi
mkdir -p "$dir/www" "$dir/tmp"
printf 'hello from loadgen'"'"'s static target\n' >"$dir/www/index.html"
cat >"$dir/nginx.conf" <<CONF
worker_processes $workers;
user root root;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
worker_rlimit_nofile 40000;
events { worker_connections 20000; }
http {
  $log_line
  keepalive_requests 10000000;
  keepalive_timeout 75s;
  client_body_temp_path $dir/tmp; proxy_temp_path $dir/tmp; fastcgi_temp_path $dir/tmp;
  uwsgi_temp_path $dir/tmp; scgi_temp_path $dir/tmp;
  server { listen 127.0.0.1:$port reuseport backlog=4096; root $dir/www; }
  $tls_server
}
CONF
exec nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;'
